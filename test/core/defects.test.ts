// Issue #10 items decided in core's pipeline: each test below failed before its fix.

import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import {
  createReceiver,
  type IdempotencyStore,
  type Logger,
  MemoryStore,
  providers,
  sign,
  type WebhookError,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { keepRawBody, webhookMiddleware } from "@webhook-kit/express";
import express from "express";
import { afterEach, describe, expect, it, vi } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(payload: unknown) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers, rawBody: body };
}

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

/** Sends the headers at once and the body `delayMs` later, as a slow uplink does. */
function trickle(port: number, headers: Record<string, string>, body: Uint8Array, delayMs: number) {
  return new Promise<{ status: number; elapsed: number }>((resolve, reject) => {
    const started = performance.now();
    const req = http.request(
      {
        port,
        host: "127.0.0.1",
        method: "POST",
        path: "/",
        headers: { ...headers, "content-length": String(body.length) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve({ status: res.statusCode ?? 0, elapsed: performance.now() - started }));
      },
    );
    req.on("error", reject);
    req.flushHeaders();
    setTimeout(() => req.end(Buffer.from(body)), delayMs);
  });
}

describe("#10.2 the ack deadline counts from the request's arrival, not from when handlers start", () => {
  it("a body trickled in for most of the deadline still gets its 202 by the deadline", async () => {
    const receiver = createReceiver({ provider: eulabel(), ackDeadlineMs: 600, logger: false });
    receiver.on("passport.published", () => sleep(500));
    const port = await listen(http.createServer(createNodeHandler(receiver)));
    const { body, headers } = await signedDelivery(passportEvent("passport.published"));
    // Upload 400 ms + handler 500 ms = 900 ms > 600 ms: the sender must hear 202 at ~600 ms, not 200 at 900.
    const res = await trickle(port, headers, body, 400);
    expect(res.status).toBe(202);
    await receiver.idle();
  });
});

describe("#10.3 a completion the store refuses (claim lost) is reported, not logged as handled", () => {
  it("warns and calls onError with claim_lost", async () => {
    const inner = new MemoryStore();
    const store: IdempotencyStore = {
      claim: (k, o) => inner.claim(k, o),
      complete: async () => false, // the lease was taken over / Redis lost the key
      release: (k, t) => inner.release(k, t),
      renew: (k, t, o) => inner.renew(k, t, o),
    };
    const errors: WebhookError[] = [];
    const logger: Logger = { debug: vi.fn(), info: vi.fn(), warn: vi.fn(), error: vi.fn() };
    const receiver = createReceiver({ provider: eulabel(), store, logger, onError: (e) => errors.push(e) });
    receiver.on("passport.published", () => {});
    const res = await receiver.handle(await request(passportEvent("passport.published")));
    expect(res.status).toBe(200);
    expect(errors.map((e) => e.code)).toEqual(["claim_lost"]);
    expect(errors[0]?.message).toMatch(/may run its handlers again/);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ code: "claim_lost" }),
      expect.any(String),
    );
  });
});

describe("#10.12 two endpoints on one preset keep apart in one store (namespace)", () => {
  it("the same event id from two senders runs on both endpoints; the default namespace is the provider's name", async () => {
    const store = new MemoryStore();
    const body = JSON.stringify({
      id: "evt_1",
      type: "user.created",
      created_at: "2026-01-01T00:00:00Z",
      data: { id: "usr_1" },
    });
    const runs: string[] = [];
    for (const namespace of ["tenant-a", "tenant-b"]) {
      const provider = providers.generic({ secret: `secret-${namespace}` });
      const receiver = createReceiver({ provider, store, namespace, logger: false });
      receiver.on("*", (event) => {
        runs.push(event.id);
      });
      const signed = await sign(provider, body);
      expect(
        (await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body })).status,
      ).toBe(200);
    }
    expect(runs).toEqual(["tenant-a:evt_1", "tenant-b:evt_1"]);
    const plain = createReceiver({ provider: providers.generic({ secret: "s" }), logger: false });
    const seen = vi.fn();
    plain.on("*", (event) => seen(event.id));
    const signed = await sign(providers.generic({ secret: "s" }), body);
    await plain.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
    expect(seen).toHaveBeenCalledWith("generic:evt_1");
    expect(() => createReceiver({ provider: eulabel(), namespace: "" })).toThrow(/namespace/);
  });
});

describe("#10.13 compressed bodies get one clear 415 on every path", () => {
  const gz = async () => {
    const { body, headers } = await signedDelivery(passportEvent("passport.published"));
    return { body: gzipSync(body), headers: { ...headers, "content-encoding": "gzip" } };
  };

  it("handle() and fetch()", async () => {
    const receiver = createReceiver({ provider: eulabel(), logger: false });
    const { body, headers } = await gz();
    const viaHandle = await receiver.handle({ method: "POST", headers, rawBody: body });
    expect(viaHandle.status).toBe(415);
    expect(json(viaHandle.body)).toMatchObject({ error: "unsupported_encoding" });
    expect(json(viaHandle.body).message).toMatch(/send webhooks uncompressed/);
    const viaFetch = await receiver.fetch(new Request("http://x/", { method: "POST", headers, body }));
    expect(viaFetch.status).toBe(415);
  });

  it("node:http, and Express with keepRawBody (which would otherwise verify the inflated bytes)", async () => {
    const receiver = createReceiver({ provider: eulabel(), logger: false });
    const handled = vi.fn();
    receiver.on("passport.published", handled);
    const { body, headers } = await gz();
    const nodePort = await listen(http.createServer(createNodeHandler(receiver)));
    const app = express();
    app.use(express.json({ verify: keepRawBody }));
    app.use(webhookMiddleware(receiver, { path: "/hook" }));
    const expressPort = await listen(http.createServer(app));
    for (const url of [`http://127.0.0.1:${nodePort}/`, `http://127.0.0.1:${expressPort}/hook`]) {
      const res = await fetch(url, { method: "POST", headers, body });
      expect(res.status).toBe(415);
    }
    expect(handled).not.toHaveBeenCalled();
  });
});

describe("#10.14 a throwing logger or onError never crashes the process or fails the delivery", () => {
  it("background failures with a throwing logger and onError leave no unhandled rejection", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const boom = () => {
        throw new Error("logger down");
      };
      const logger: Logger = { debug: boom, info: boom, warn: boom, error: boom };
      const receiver = createReceiver({
        provider: eulabel(),
        ack: "immediate",
        logger,
        onError: () => {
          throw new Error("onError down");
        },
      });
      receiver.on("passport.published", () => {
        throw new Error("handler bug");
      });
      const res = await receiver.handle(await request(passportEvent("passport.published")));
      expect(res.status).toBe(202);
      // A forged one goes through the logger's warn path too.
      const forged = await request(passportEvent("passport.published"));
      const refused = await receiver.handle({
        ...forged,
        headers: { ...forged.headers, "x-eulabel-signature": `sha256=${"0".repeat(64)}` },
      });
      expect(refused.status).toBe(401);
      await receiver.idle();
      await sleep(20);
      expect(unhandled).toEqual([]);
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
  });
});

describe("#10.15 mixed-case header names (API Gateway, hand-built requests) are lower-cased once at the boundary", () => {
  it("X-EUlabel-Signature verifies through handle()", async () => {
    const receiver = createReceiver({ provider: eulabel(), logger: false });
    const { body, headers } = await signedDelivery(passportEvent("passport.published"));
    const mixed = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase()),
        v,
      ]),
    );
    expect(Object.keys(mixed)).toContain("X-Eulabel-Signature");
    expect((await receiver.handle({ method: "POST", headers: mixed, rawBody: body })).status).toBe(200);
  });
});
