// Issue #12's comparison: the kit vs @octokit/webhooks (what a GitHub user would pick instead) vs a bare
// node:http server, on GitHub push deliveries of ≈ 1.1 KB, each with a fresh X-GitHub-Delivery and distinct
// bytes, so every deduplicating row runs its new-event path. Same run, alternating rounds, ratios to bare.
// Uses the built dist: `pnpm build` first.   node bench/octokit.bench.mjs
import { createHmac } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createNodeMiddleware, Webhooks } from "@octokit/webhooks";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware as expressMiddleware } from "@webhook-kit/express";
import { webhookPlugin } from "@webhook-kit/fastify";
import { webhookMiddleware as koaMiddleware } from "@webhook-kit/koa";
import express from "express";
import Fastify from "fastify";
import Koa from "koa";
import {
  benchRedis,
  githubDelivery,
  handVerified,
  measureGroup,
  printCpu,
  printTable,
  readBody,
  serveWithCpu,
} from "./lib.mjs";

const SECRET = "bench_github_secret";
// Every request carries a new X-GitHub-Delivery, however long the run: the kit's MemoryStore fills to its
// bound (100 000) and then evicts on every delivery, as a long-running receiver's does. Reusing ids would let
// the kit answer repeats from its dedupe path, cheaper than the new-event path every other row runs.
const FRESH_ID = "x-github-delivery";
const LIMIT = 1024 * 1024;
const verified = (raw, header) => handVerified(SECRET, raw, header);

/** A GitHub push body (≈ 1.1 KB), distinct per `i`. */
function pushBody(i) {
  const sha = createHmac("sha1", "x").update(String(i)).digest("hex");
  return JSON.stringify({
    ref: "refs/heads/main",
    before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
    after: sha,
    repository: {
      id: 186853002,
      node_id: "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
      name: "Hello-World",
      full_name: "Codertocat/Hello-World",
      private: false,
      owner: {
        name: "Codertocat",
        email: "21031067+Codertocat@users.noreply.github.com",
        login: "Codertocat",
        id: 21031067,
      },
      html_url: "https://github.com/Codertocat/Hello-World",
      default_branch: "main",
    },
    pusher: { name: "Codertocat", email: "21031067+Codertocat@users.noreply.github.com" },
    sender: { login: "Codertocat", id: 21031067, type: "User", site_admin: false },
    created: false,
    deleted: false,
    forced: false,
    compare: `https://github.com/Codertocat/Hello-World/compare/6113728f27ae...${sha.slice(0, 12)}`,
    commits: [],
    head_commit: {
      id: sha,
      tree_id: "f9d2a07e9488b91af2641b26b9407fe22a451433",
      message: `Update README.md (${i})`,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      author: { name: "Codertocat", email: "21031067+Codertocat@users.noreply.github.com" },
    },
  });
}

function deliveries(count = Number(process.env.BENCH_BODIES ?? 100_000)) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(githubDelivery(SECRET, pushBody(i)));
  return out;
}

/** A store that remembers nothing: what dedupe itself costs, by difference. */
const forgetful = {
  claim: async () => ({ status: "claimed", token: "t" }),
  complete: async () => true,
  release: async () => true,
  renew: async () => true,
};

function receiver(store) {
  const r = createReceiver({
    provider: providers.github({ secret: SECRET }),
    logger: false,
    ...(store && { store }),
  });
  r.on("push", () => {});
  return r;
}

const listen = async (server) => {
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
};

async function serve(kind) {
  switch (kind) {
    case "bare":
      return listen(
        http.createServer(async (req, res) => {
          const event = verified(await readBody(req), req.headers["x-hub-signature-256"]);
          res.writeHead(event ? 200 : 401, { "content-type": "application/json" });
          res.end(event ? '{"received":true}' : '{"error":"invalid_signature"}');
        }),
      );
    case "octokit": {
      const webhooks = new Webhooks({ secret: SECRET });
      webhooks.on("push", () => {});
      return listen(http.createServer(createNodeMiddleware(webhooks, { path: "/hook" })));
    }
    case "kit":
      return listen(http.createServer(createNodeHandler(receiver(), { path: "/hook" })));
    case "kit-before": {
      // Another build of core (BENCH_BEFORE = its dist folder), e.g. main's, measured in the same rounds.
      const dir = process.env.BENCH_BEFORE;
      const before = await import(`${dir}/index.js`);
      const { createNodeHandler: beforeHandler } = await import(`${dir}/node.js`);
      const r = before.createReceiver({
        provider: before.providers.github({ secret: SECRET }),
        logger: false,
      });
      r.on("push", () => {});
      return listen(http.createServer(beforeHandler(r, { path: "/hook" })));
    }
    case "kit-redis": {
      const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
      const client = createRedisClient(process.env.REDIS_URL);
      const store = new RedisStore({ client, prefix: process.env.PREFIX });
      return listen(http.createServer(createNodeHandler(receiver(store), { path: "/hook" })));
    }
    case "kit-handle": {
      const r = receiver();
      return listen(
        http.createServer(async (req, res) => {
          const rawBody = await readBody(req);
          const response = await r.handle({ method: "POST", headers: req.headers, rawBody });
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        }),
      );
    }
    case "kit-nostore":
      return listen(http.createServer(createNodeHandler(receiver(forgetful), { path: "/hook" })));
    case "express-bare": {
      const app = express();
      app.post("/hook", express.raw({ type: "*/*", limit: LIMIT }), (req, res) => {
        const event = verified(req.body, req.headers["x-hub-signature-256"]);
        res.status(event ? 200 : 401).json(event ? { received: true } : { error: "invalid_signature" });
      });
      return listen(http.createServer(app));
    }
    case "express-kit": {
      const app = express();
      app.use(expressMiddleware(receiver(), { path: "/hook" }));
      return listen(http.createServer(app));
    }
    case "koa-bare":
    case "koa-kit": {
      const app = new Koa();
      if (kind === "koa-kit") app.use(koaMiddleware(receiver(), { path: "/hook" }));
      else
        app.use(async (ctx) => {
          const event = verified(await readBody(ctx.req), ctx.get("x-hub-signature-256"));
          ctx.status = event ? 200 : 401;
          ctx.body = event ? { received: true } : { error: "invalid_signature" };
        });
      return listen(http.createServer(app.callback()));
    }
    case "fastify-bare":
    case "fastify-kit": {
      const app = Fastify({ keepAliveTimeout: 60_000 });
      if (kind === "fastify-kit") await app.register(webhookPlugin, { receiver: receiver(), path: "/hook" });
      else {
        app.removeAllContentTypeParsers();
        app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: LIMIT }, (_req, body, done) =>
          done(null, body),
        );
        app.post("/hook", async (request, reply) => {
          const event = verified(request.body, request.headers["x-hub-signature-256"]);
          return event ? { received: true } : reply.code(401).send({ error: "invalid_signature" });
        });
      }
      await app.listen({ port: 0, host: "127.0.0.1" });
      return app.server;
    }
    default:
      throw new Error(`unknown server kind ${kind}`);
  }
}

async function forget(url, prefix) {
  const { Redis } = await import("ioredis");
  const client = new Redis(url);
  const stream = client.scanStream({ match: `${prefix}*`, count: 1000 });
  for await (const keys of stream) if (keys.length > 0) await client.unlink(...keys);
  client.disconnect();
}

if (process.argv[2] === "serve") {
  serveWithCpu(await serve(process.argv[3]));
} else {
  const traffic = deliveries();
  const self = fileURLToPath(import.meta.url);
  // BENCH_ONLY: "core" runs the first group alone, a framework name ("koa") that framework's group alone.
  const only = process.env.BENCH_ONLY;
  const bare = "bare node:http + HMAC + JSON.parse";
  const octokit = "@octokit/webhooks createNodeMiddleware";
  const rows = [];
  if (!only || only === "core") {
    const redis = await benchRedis();
    // A fresh key prefix per run, so every delivery is new to Redis too; its keys are removed afterwards.
    const PREFIX = `bench-octokit-${process.pid}:`;
    const kinds = ["bare", "octokit", "kit", "kit-redis", "kit-nostore"];
    if (process.env.BENCH_BEFORE) kinds.push("kit-before");
    const [b, o, k, r, n, before] = await measureGroup(
      self,
      kinds,
      traffic,
      { REDIS_URL: redis.url, PREFIX },
      { freshId: FRESH_ID },
    ).finally(async () => {
      await forget(redis.url, PREFIX);
      await redis.stop();
    });
    rows.push(
      { name: bare, ...b },
      { name: octokit, baseline: bare, ...o },
      { name: "webhook-kit core on node:http, GitHub preset, MemoryStore", baseline: bare, ...k },
      { name: "… core + MemoryStore vs octokit", baseline: octokit, target: 1.1, ...k },
      { name: "webhook-kit core on node:http, GitHub preset, RedisStore", baseline: bare, ...r },
      { name: "… core + RedisStore vs octokit", baseline: octokit, ...r },
      { name: "webhook-kit core, a store that remembers nothing", baseline: bare, ...n },
      { name: "… core, no store, vs octokit", baseline: octokit, ...n },
    );
    if (before) {
      const beforeName = `core built at BENCH_BEFORE (${process.env.BENCH_BEFORE}), MemoryStore`;
      rows.push(
        { name: beforeName, baseline: bare, ...before },
        { name: "… this build's core (MemoryStore) vs that one", baseline: beforeName, ...k },
      );
    }
  }
  for (const [framework, target] of [
    ["express", 0.9],
    ["koa", 0.85],
    ["fastify", 0.85],
  ]) {
    if (only && only !== framework) continue;
    const [fb, fk] = await measureGroup(
      self,
      [`${framework}-bare`, `${framework}-kit`],
      traffic,
      {},
      {
        freshId: FRESH_ID,
      },
    );
    const name = `${framework} bare (raw body + hand verify)`;
    rows.push({ name, ...fb }, { name: `${framework} + webhook-kit`, baseline: name, target, ...fk });
  }
  printTable("GitHub push, fresh delivery ids — webhook-kit vs @octokit/webhooks vs bare (same run)", rows);
  printCpu(rows);

  // Latency at the same load: every server offered one fixed rate, well below saturation, so p99 compares
  // what each adds to a delivery's time (a collector pause, a slow path), not how long a saturated queue is.
  // BENCH_RATE, else half of octokit's saturated req/s above (rounded to 100), else 3000.
  if (!only || only === "core" || only === "latency") {
    const saturated = rows.find((r) => r.name === octokit)?.rps;
    const rate = Number(process.env.BENCH_RATE ?? (saturated ? Math.round(saturated / 200) * 100 : 3000));
    const kinds = ["bare", "octokit", "kit"];
    const [b, o, k] = await measureGroup(self, kinds, traffic, {}, { freshId: FRESH_ID, rate });
    const sameLoad = [
      { name: bare, ...b },
      { name: octokit, baseline: bare, ...o },
      { name: "webhook-kit core on node:http, GitHub preset, MemoryStore", baseline: bare, ...k },
      { name: "… core + MemoryStore vs octokit", baseline: octokit, p99Target: 1.2, ...k },
    ];
    // The title stays the same from run to run (compare.mjs matches tables by title); the rate is a field.
    console.log(`\nOffered to every server: ${rate} req/s.`);
    printTable(
      "Latency at the same load: one fixed rate offered to every server (half of octokit's saturated req/s; GitHub push, fresh ids)",
      sameLoad.map((row) => ({ ...row, offeredRate: rate })),
    );
  }
}
