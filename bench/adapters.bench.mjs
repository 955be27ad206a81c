// Koa and Fastify: the adapter vs the bare framework with a hand-written HMAC verify + JSON.parse, same run,
// same distinct pre-signed bodies (so dedupe never short-circuits). Uses the built dist: `pnpm build` first.
// `node bench/adapters.bench.mjs` runs the table; `node bench/adapters.bench.mjs serve <kind>` is one server.
import { fork } from "node:child_process";
import { createHmac, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookPlugin } from "@webhook-kit/fastify";
import { webhookMiddleware } from "@webhook-kit/koa";
import Fastify from "fastify";
import Koa from "koa";
import { DURATION_S, eulabelDeliveries, measure, printTable } from "./lib.mjs";

const SECRET = process.env.BENCH_SECRET ?? "bench_secret";
const LIMIT = 1024 * 1024;

/** What a careful developer writes by hand: HMAC over the raw bytes, constant-time compare, JSON.parse. */
function handVerified(raw, header) {
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  const given = Buffer.from(String(header ?? ""));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return JSON.parse(raw.toString("utf8"));
}

/** The bare Koa reader: the body's chunks up to 1 MiB, as a hand-written middleware would collect them. */
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > LIMIT) reject(new Error("too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

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
        const event = handVerified(await readBody(ctx.req), ctx.get("x-eulabel-signature"));
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
      const event = handVerified(request.body, request.headers["x-eulabel-signature"]);
      return event ? { received: true } : reply.code(401).send({ error: "invalid_signature" });
    });
  } else throw new Error(`unknown server kind ${kind}`);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return app.server;
}

if (process.argv[2] === "serve") {
  const server = await serve(process.argv[3]);
  // Server CPU per request since the last "reset": steadier than req/s on a machine shared with other work.
  let requests = 0;
  let since = process.cpuUsage();
  server.on("request", () => {
    requests += 1;
  });
  process.on("message", (message) => {
    if (message === "reset") {
      requests = 0;
      since = process.cpuUsage();
      process.send({ reset: true });
    } else if (message === "cpu") {
      const used = process.cpuUsage(since);
      process.send({ usPerRequest: (used.user + used.system) / Math.max(1, requests) });
    }
  });
  process.send({ port: server.address().port });
  process.on("SIGINT", () => process.exit(0));
} else {
  const deliveries = await eulabelDeliveries(SECRET);

  // Both servers of a pair run at once and are measured in alternating rounds, so load from elsewhere on
  // the machine hits both rows alike; a row's req/s is its total over all rounds.
  const self = fileURLToPath(import.meta.url);
  const startServer = async (script, kind) => {
    const child = fork(script, ["serve", kind], {
      stdio: ["ignore", "inherit", "inherit", "ipc"],
      env: { ...process.env, BENCH_SECRET: SECRET },
    });
    const [{ port }] = await once(child, "message");
    return {
      port,
      ask: async (question) => {
        child.send(question);
        return (await once(child, "message"))[0];
      },
      stop: async () => {
        child.kill();
        await once(child, "exit");
      },
    };
  };
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
  const group = async (...kinds) => {
    const children = [];
    for (const kind of kinds) children.push(await startServer(self, kind));
    try {
      const urls = children.map((child) => `http://127.0.0.1:${child.port}/hook`);
      for (const url of urls) await measure(url, deliveries, { duration: 1 }); // warm-up
      for (const child of children) await child.ask("reset");
      const runs = kinds.map(() => []);
      const order = kinds.map((_, i) => i);
      for (let round = 0; round < ROUNDS; round++) {
        for (const i of round % 2 ? [...order].reverse() : order) {
          runs[i].push(await measure(urls[i], deliveries, { duration: Math.max(1, DURATION_S / ROUNDS) }));
        }
      }
      const cpu = [];
      for (const child of children) cpu.push((await child.ask("cpu")).usPerRequest);
      return runs.map((list, i) => {
        const p99s = list.map((r) => r.p99).sort((a, b) => a - b);
        const seconds = list.length * Math.max(1, DURATION_S / ROUNDS);
        return {
          rps: list.reduce((sum, r) => sum + r.total, 0) / seconds,
          p99: p99s[Math.floor(p99s.length / 2)],
          bad: list.reduce((sum, r) => sum + r.bad, 0),
          cpuUs: cpu[i],
        };
      });
    } finally {
      for (const child of children) await child.stop();
    }
  };

  const koaBare = "koa bare (hand read + verify + JSON.parse)";
  const fastifyBare = "fastify bare (scoped buffer parser + verify + JSON.parse)";
  const core = (pair) => `core alone: node:http createNodeHandler (reference, ${pair} rounds)`;
  const [koaB, koaC, koaK] = await group("koa-bare", "node-kit", "koa-kit");
  const [fastifyB, fastifyC, fastifyK] = await group("fastify-bare", "node-kit", "fastify-kit");
  const rows = [
    { name: koaBare, ...koaB },
    { name: core("koa"), baseline: koaBare, ...koaC },
    { name: "koa webhookMiddleware", baseline: koaBare, target: 0.9, ...koaK },
    { name: fastifyBare, ...fastifyB },
    { name: core("fastify"), baseline: fastifyBare, ...fastifyC },
    { name: "fastify webhookPlugin", baseline: fastifyBare, target: 0.9, ...fastifyK },
  ];
  printTable(
    `Koa and Fastify — adapter vs bare (same run, ${ROUNDS} alternating rounds, p99 = median round)`,
    rows,
  );
  console.log("\n| row | server CPU µs per delivery | bare ÷ row |\n| --- | ---: | ---: |");
  for (const row of rows) {
    const base = rows.find((r) => r.name === (row.baseline ?? row.name));
    console.log(`| ${row.name} | ${row.cpuUs.toFixed(1)} | ${(base.cpuUs / row.cpuUs).toFixed(2)} |`);
  }
}
