// Koa and Fastify: the adapter vs the bare framework with a hand-written HMAC verify + JSON.parse, same run,
// same distinct pre-signed bodies (so dedupe never short-circuits). Uses the built dist: `pnpm build` first.
// `node bench/adapters.bench.mjs` runs the table; `node bench/adapters.bench.mjs serve <kind>` is one server.
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookPlugin } from "@webhook-kit/fastify";
import { webhookMiddleware } from "@webhook-kit/koa";
import Fastify from "fastify";
import Koa from "koa";
import {
  eulabelDeliveries,
  handVerified,
  measureGroup,
  printCpu,
  printTable,
  readBody,
  serveWithCpu,
} from "./lib.mjs";

const SECRET = process.env.BENCH_SECRET ?? "bench_secret";
const LIMIT = 1024 * 1024;
const verified = (raw, header) => handVerified(SECRET, raw, header);

function receiver() {
  const r = createReceiver({ provider: providers.eulabel({ secret: SECRET }) });
  r.on("*", () => {});
  return r;
}

async function serve(kind) {
  if (kind === "node-kit") {
    const server = http.createServer(createNodeHandler(receiver(), { path: "/hook" }));
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
  }
  if (kind === "koa-bare" || kind === "koa-kit") {
    const app = new Koa();
    if (kind === "koa-kit") app.use(webhookMiddleware(receiver(), { path: "/hook" }));
    else
      app.use(async (ctx) => {
        if (ctx.path !== "/hook" || ctx.method !== "POST") return;
        const event = verified(await readBody(ctx.req), ctx.get("x-eulabel-signature"));
        ctx.status = event ? 200 : 401;
        ctx.body = event ? { received: true } : { error: "invalid_signature" };
      });
    const server = http.createServer(app.callback());
    server.keepAliveTimeout = 60_000;
    await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
    return server;
  }
  const app = Fastify({ keepAliveTimeout: 60_000 });
  if (kind === "fastify-kit") await app.register(webhookPlugin, { receiver: receiver(), path: "/hook" });
  else if (kind === "fastify-bare") {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) =>
      done(null, body),
    );
    app.post("/hook", async (request, reply) => {
      const event = verified(request.body, request.headers["x-eulabel-signature"]);
      return event ? { received: true } : reply.code(401).send({ error: "invalid_signature" });
    });
  } else throw new Error(`unknown server kind ${kind}`);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server;
}

if (process.argv[2] === "serve") {
  serveWithCpu(await serve(process.argv[3]));
} else {
  const deliveries = await eulabelDeliveries(SECRET);
  const self = fileURLToPath(import.meta.url);
  const group = (...kinds) => measureGroup(self, kinds, deliveries, { BENCH_SECRET: SECRET });

  const koaBare = "koa bare (hand read + verify + JSON.parse)";
  const fastifyBare = "fastify bare (scoped buffer parser + verify + JSON.parse)";
  const core = (pair) => `core alone: node:http createNodeHandler (reference, ${pair} rounds)`;
  const [koaB, koaC, koaK] = await group("koa-bare", "node-kit", "koa-kit");
  const [fastifyB, fastifyC, fastifyK] = await group("fastify-bare", "node-kit", "fastify-kit");
  // Issue #23's targets: Express ≥ 0.9 (core.bench.mjs), Koa ≥ 0.85, Fastify ≥ 0.85 of their bare rows.
  const rows = [
    { name: koaBare, ...koaB },
    { name: core("koa"), baseline: koaBare, ...koaC },
    { name: "koa webhookMiddleware", baseline: koaBare, target: 0.85, ...koaK },
    { name: fastifyBare, ...fastifyB },
    { name: core("fastify"), baseline: fastifyBare, ...fastifyC },
    { name: "fastify webhookPlugin", baseline: fastifyBare, target: 0.85, ...fastifyK },
  ];
  printTable(
    "Koa and Fastify — adapter vs bare (same run, alternating rounds, p50/p90/p99 = median round)",
    rows,
  );
  printCpu(rows);
}
