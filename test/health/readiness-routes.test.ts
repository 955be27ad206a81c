import http from "node:http";
import { createReceiver, MemoryQueue, type ReceiverHealth } from "@webhook-kit/core";
import { RedisStore } from "@webhook-kit/redis";
import express from "express";
import Fastify from "fastify";
import { Redis } from "ioredis";
import Koa from "koa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { freePort } from "../support/redis.js";

// The readiness routes docs/health.md shows, mounted in each framework and asked over real HTTP: 200 with
// the report when ready, 503 with it when the store cannot be reached, never a credential in the body.

const serve = listenPerTest();
/** What a readiness route needs of a receiver (any provider's). */
type Probe = { health(options?: { timeoutMs?: number }): Promise<ReceiverHealth> };
const PASSWORD = "hunter2-readiness";
let down: Redis;
let ready: Probe;
let notReady: Probe;
beforeAll(async () => {
  // A real client to a port nothing listens on: connecting fails at once, as with a Redis that is down.
  down = new Redis(`redis://app:${PASSWORD}@127.0.0.1:${await freePort()}`, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => 60_000,
  });
  down.on("error", () => {});
  ready = createReceiver({ provider: eulabel(), queue: new MemoryQueue() });
  notReady = createReceiver({ provider: eulabel(), store: new RedisStore({ client: down }) });
});
afterAll(() => down.disconnect());

async function expectReadiness(urlOf: (receiver: Probe) => Promise<string>) {
  const up = await send(await urlOf(ready), { method: "GET" });
  expect(up.status, up.text).toBe(200);
  expect(up.headers["content-type"]).toMatch(/application\/json/);
  expect(up.headers["cache-control"]).toBe("no-store");
  expect(up.json).toMatchObject({ ok: true, checks: { store: { ok: true }, queue: { ok: true } } });
  const failing = await send(await urlOf(notReady), { method: "GET" });
  expect(failing.status, failing.text).toBe(503);
  expect(failing.headers["content-type"]).toMatch(/application\/json/);
  expect(failing.json).toMatchObject({ ok: false, checks: { store: { ok: false, error: "unavailable" } } });
  expect(failing.text).not.toContain(PASSWORD);
}

describe("readiness route", () => {
  it("Express", async () => {
    await expectReadiness(async (receiver) => {
      const app = express();
      app.get("/ready", async (_req, res) => {
        const health = await receiver.health({ timeoutMs: 1_000 });
        res
          .status(health.ok ? 200 : 503)
          .set("cache-control", "no-store")
          .json(health);
      });
      return serve(http.createServer(app), "/ready");
    });
  });

  it("Koa", async () => {
    await expectReadiness(async (receiver) => {
      const app = new Koa();
      app.use(async (ctx, next) => {
        if (ctx.method !== "GET" || ctx.path !== "/ready") return next();
        const health = await receiver.health({ timeoutMs: 1_000 });
        ctx.status = health.ok ? 200 : 503;
        ctx.set("cache-control", "no-store");
        ctx.body = health;
      });
      return serve(http.createServer(app.callback()), "/ready");
    });
  });

  it("Fastify", async () => {
    const apps: ReturnType<typeof Fastify>[] = [];
    try {
      await expectReadiness(async (receiver) => {
        const app = Fastify();
        apps.push(app);
        app.get("/ready", async (_request, reply) => {
          const health = await receiver.health({ timeoutMs: 1_000 });
          return reply
            .code(health.ok ? 200 : 503)
            .header("cache-control", "no-store")
            .send(health);
        });
        return `${await app.listen({ port: 0, host: "127.0.0.1" })}/ready`;
      });
    } finally {
      await Promise.all(apps.map((app) => app.close()));
    }
  });

  it("fetch (Next App route, Hono, Bun, Deno, Workers): a GET handler of a Request", async () => {
    await expectReadiness(async (receiver) => {
      // What `app/ready/route.ts` exports as GET, or what a fetch router mounts.
      const GET = async (): Promise<Response> => {
        const health = await receiver.health({ timeoutMs: 1_000 });
        return Response.json(health, {
          status: health.ok ? 200 : 503,
          headers: { "cache-control": "no-store" },
        });
      };
      // Node serving a fetch handler, as Next's own server or @hono/node-server does.
      const server = http.createServer(async (_req, res) => {
        const response = await GET();
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(await response.text());
      });
      return serve(server, "/ready");
    });
  });
});
