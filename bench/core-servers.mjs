// The servers of core.bench.mjs, one per child process: `node core-servers.mjs serve <kind>` (lib.mjs
// `measureGroup` forks them so).
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import { createReceiver, eulabelEvents, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import express from "express";
import { serveWithCpu } from "./lib.mjs";

const SECRET = process.env.BENCH_SECRET;
const kind = process.argv[3];

/** What a careful developer writes by hand: HMAC over the raw bytes, constant-time compare, JSON.parse. */
function handVerified(raw, header) {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  const given = Buffer.from(String(header ?? ""));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return JSON.parse(raw.toString("utf8"));
}

function receiver() {
  const r = createReceiver({ provider: providers.eulabel({ secret: SECRET }) });
  r.on("*", () => {});
  return r;
}

let server;
if (kind === "express-bare") {
  const app = express();
  app.post("/hook", express.raw({ type: "*/*", limit: "1mb" }), (req, res) => {
    const event = handVerified(req.body, req.headers["x-eulabel-signature"]);
    if (!event) return res.status(401).json({ error: "invalid_signature" });
    res.json({ received: true });
  });
  server = http.createServer(app);
} else if (kind === "express-kit") {
  const app = express();
  app.use(webhookMiddleware(receiver(), { path: "/hook" }));
  server = http.createServer(app);
} else if (kind === "node-bare") {
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const event = handVerified(Buffer.concat(chunks), req.headers["x-eulabel-signature"]);
      res.writeHead(event ? 200 : 401, { "content-type": "application/json" });
      res.end(JSON.stringify(event ? { received: true } : { error: "invalid_signature" }));
    });
  });
} else if (kind === "node-same-work") {
  // The same work the kit does, written by hand: verify, parse, schema, dedupe by body hash, respond.
  const seen = new Map();
  server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const event = handVerified(raw, req.headers["x-eulabel-signature"]);
      const parsed = event && eulabelEvents[event.event]?.safeParse(event);
      const key = `${event?.event}:${createHash("sha256").update(raw).digest("hex")}`;
      const duplicate = seen.has(key);
      if (!duplicate) {
        seen.set(key, true);
        if (seen.size > 100_000) seen.delete(seen.keys().next().value);
      }
      res.writeHead(parsed?.success ? 200 : 400, { "content-type": "application/json" });
      res.end(JSON.stringify({ received: true, duplicate }));
    });
  });
} else if (kind === "node-kit") {
  server = http.createServer(createNodeHandler(receiver(), { path: "/hook" }));
} else {
  throw new Error(`unknown server kind ${kind}`);
}
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => serveWithCpu(server));
