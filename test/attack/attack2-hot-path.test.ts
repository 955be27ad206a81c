import http from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, type IdempotencyStore, MemoryStore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// Found by an attack pass on the synchronous hot path, the node body reader and the store time budget.
describe("attack2: synchronous hot path, node body reader, store time budget", () => {
  it("a middleware that called req.setEncoding() is a mount problem: 500 body_already_consumed, logged — not a silent 400 'client aborted'", async () => {
    const logged: string[] = [];
    const log = (_o: unknown, m: string) => logged.push(m);
    const receiver = createReceiver({
      provider: eulabel(),
      logger: { debug() {}, info() {}, warn: log, error: log },
    });
    const handler = createNodeHandler(receiver);
    const server = http.createServer((req, res) => {
      req.setEncoding("utf8"); // e.g. a logging middleware
      handler(req, res);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    try {
      const { body, headers } = await signedDelivery(passportEvent());
      const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`, {
        method: "POST",
        headers,
        body: Buffer.from(body),
      });
      const json = (await res.json()) as { error: string };
      // Observed: 400 body_aborted "The client aborted or truncated the upload.", nothing logged.
      expect({ status: res.status, error: json.error }).toEqual({
        status: 500,
        error: "body_already_consumed",
      });
      expect(logged.length).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });

  it("a store without honoursDeadline whose methods return plain values works (or answers 503), not 500 internal_error", async () => {
    const m = new Map<string, { token: string; done?: boolean }>();
    const store = {
      claim: (key: string) => {
        const e = m.get(key);
        if (e?.done) return { status: "completed" };
        if (e) return { status: "in_progress", retryAfterMs: 1000 };
        m.set(key, { token: "t" });
        return { status: "claimed", token: "t" };
      },
      complete: (key: string) => {
        const entry = m.get(key);
        if (entry) entry.done = true;
        return entry !== undefined;
      },
      release: (key: string) => m.delete(key),
      renew: () => true,
    } as unknown as IdempotencyStore; // a JavaScript user's store: no `async`
    const receiver = createReceiver({ provider: eulabel(), store, logger: false });
    receiver.on("passport.published", () => {});
    const { body, headers } = await signedDelivery(passportEvent("passport.published"));
    const res = await receiver.handle({ method: "POST", headers, rawBody: body });
    // Observed: 500 internal_error ("pending.then is not a function" from bounded.ts). With
    // honoursDeadline: true the same store works (200).
    expect(res.status).toBe(200);
  });

  it("a MemoryStore subclass whose claim hangs still gets 503 within storeTimeoutMs", async () => {
    class Hanging extends MemoryStore {
      override claim(): Promise<never> {
        return new Promise(() => {}); // e.g. a write-through to a remote service that stalled
      }
    }
    const receiver = createReceiver({
      provider: eulabel(),
      store: new Hanging(),
      storeTimeoutMs: 200,
      logger: false,
    });
    const { body, headers } = await signedDelivery(passportEvent());
    const keepAlive = setInterval(() => {}, 100);
    try {
      const res = await Promise.race([
        receiver.handle({ method: "POST", headers, rawBody: body }),
        new Promise<{ status: string }>((r) =>
          setTimeout(() => r({ status: "still pending after 1.5 s" }), 1500),
        ),
      ]);
      // Observed: still pending — inProcess (inherited) means no time bound at all (runtime.ts storeCaller).
      expect(res.status).toBe(503);
    } finally {
      clearInterval(keepAlive);
    }
  });
});
