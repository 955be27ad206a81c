import { isWebhookError, MemoryQueue, type MemoryQueueOptions, MemoryStore } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

// MemoryStore's own options (the claim/complete/release/renew contract is test/conformance/store-suite.ts).

const LONG = 60_000;

async function claimed(store: MemoryStore, key: string, leaseMs = LONG): Promise<string> {
  const result = await store.claim(key, { leaseMs });
  if (result.status !== "claimed") throw new Error(`expected a claim of ${key}, got ${result.status}`);
  return result.token;
}

describe("MemoryStore options", () => {
  it("refuses a maxEntries that is not an integer from 1 to 5 000 000 with invalid_config, naming the value", () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 5_000_001, 1e9]) {
      let thrown: unknown;
      const started = Date.now();
      try {
        new MemoryStore({ maxEntries });
      } catch (error) {
        thrown = error;
      }
      // 1e9 made lru-cache preallocate until the process died; 1e8 took 28 s and 1.6 GB.
      expect(Date.now() - started, String(maxEntries)).toBeLessThan(1_000);
      expect(isWebhookError(thrown), String(maxEntries)).toBe(true);
      expect(thrown).toMatchObject({
        code: "invalid_config",
        message: `MemoryStore: maxEntries must be an integer from 1 to 5000000 (above that, use @webhook-kit/redis or @webhook-kit/postgres), got ${String(maxEntries)}.`,
      });
    }
    expect(new MemoryStore({ maxEntries: 1 }).size).toBe(0);
    expect(new MemoryStore({ maxEntries: 5_000_000 }).size).toBe(0);
  });

  it("MemoryQueue refuses out-of-range options the same way", () => {
    const refused: [string, MemoryQueueOptions][] = [
      ["maxCompleted", { maxCompleted: 1e9 }],
      ["maxCompleted", { maxCompleted: 0 }],
      ["maxPending", { maxPending: Number.NaN }],
      ["maxPending", { maxPending: -1 }],
      ["maxDeadLetters", { maxDeadLetters: 1.5 }],
      ["retentionMs", { retentionMs: -1 }],
      ["retentionMs", { retentionMs: Number.NaN }],
    ];
    for (const [name, options] of refused) {
      let thrown: unknown;
      try {
        new MemoryQueue(options);
      } catch (error) {
        thrown = error;
      }
      expect(isWebhookError(thrown), name).toBe(true);
      expect((thrown as Error).message).toMatch(new RegExp(`^MemoryQueue: ${name} must be `));
    }
    expect(
      () => new MemoryQueue({ maxCompleted: 1, maxPending: 1, maxDeadLetters: 1, retentionMs: 1 }),
    ).not.toThrow();
  });

  /** A key claimed and completed: the kind of entry maxEntries may push out (running claims never are). */
  async function completed(store: MemoryStore, key: string, retentionMs = LONG) {
    await store.complete(key, await claimed(store, key), { retentionMs });
  }

  it("holds at most maxEntries keys: the least recently used completed key goes first", async () => {
    const store = new MemoryStore({ maxEntries: 2, onEvict: () => {} });
    await completed(store, "a");
    await completed(store, "b");
    await completed(store, "c");
    expect(store.size).toBe(2);
    expect((await store.claim("a", { leaseMs: LONG })).status).toBe("claimed"); // forgotten
    expect((await store.claim("c", { leaseMs: LONG })).status).toBe("completed");
  });

  it("onEvict reports a completed key pushed out while still live, and nothing else", async () => {
    let now = 1_000_000;
    const evicted: string[] = [];
    const store = new MemoryStore({ maxEntries: 2, now: () => now, onEvict: (key) => evicted.push(key) });
    await completed(store, "done");
    await completed(store, "second");
    await completed(store, "third"); // pushes "done" out inside its retention
    expect(evicted).toEqual(["done"]);
    // A key whose retention has passed is not reported when it goes.
    await completed(store, "short", 10); // pushes "second" (live)
    now += 1_000;
    await completed(store, "fourth"); // pushes "third" (live)
    await completed(store, "fifth"); // pushes "short" (expired): not reported
    expect(evicted).toEqual(["done", "second", "third"]);
  });

  it("onEvict is not told about an entry whose time has passed at eviction", async () => {
    let now = 0;
    const evicted: string[] = [];
    const store = new MemoryStore({ maxEntries: 1, now: () => now, onEvict: (key) => evicted.push(key) });
    await completed(store, "old", 100);
    now = 100; // exactly at expiry: no longer live
    await completed(store, "new");
    expect(evicted).toEqual([]);
    now = 101;
    await completed(store, "newer"); // "new" is live (retention 60 s): reported
    expect(evicted).toEqual(["new"]);
  });

  it("clear() forgets every key", async () => {
    const store = new MemoryStore();
    const token = await claimed(store, "k");
    await store.complete("k", token, { retentionMs: LONG });
    store.clear();
    expect(store.size).toBe(0);
    expect((await store.claim("k", { leaseMs: LONG })).status).toBe("claimed");
  });
});

describe("a full MemoryStore behind a receiver", () => {
  it("tells the sender the receiver is at capacity (503), and the operator which limit to raise", async () => {
    const { createReceiver, providers } = await import("@webhook-kit/core");
    const { request, signed, SECRET } = await import("../providers/support.js");
    const lines: { msg: string | undefined; obj: object }[] = [];
    const keep = (obj: object, msg?: string) => void lines.push({ obj, msg });
    const logger = { debug: () => {}, info: () => {}, warn: keep, error: keep };
    const provider = providers.eulabel({ secret: SECRET });
    const receiver = createReceiver({ provider, store: new MemoryStore({ maxEntries: 1 }), logger });
    let release = () => {};
    receiver.on("*", () => new Promise<void>((resolve) => (release = resolve)));
    const { passportEvent } = await import("../support/deliveries.js");
    const first = receiver.handle(request(await signed(provider, passportEvent())));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const full = await receiver.handle(request(await signed(provider, passportEvent())));
    release();
    expect((await first).status).toBe(200);
    expect(full.status).toBe(503);
    expect(full.headers["retry-after"]).toBeDefined();
    const body = JSON.parse(full.body) as { error: string; message: string };
    expect(body.error).toBe("store_unavailable");
    expect(body.message).not.toMatch(/unreachable/);
    expect(body.message).toMatch(/capacity/);
    expect(body.message).not.toMatch(/maxEntries/); // the sender cannot act on it
    const logged = lines.map((line) => `${line.msg} ${String((line.obj as { err?: Error }).err?.message)}`);
    expect(logged.join("\n")).toMatch(/MemoryStore is full.*Raise maxEntries/);
    expect(logged.join("\n")).not.toMatch(/unreachable/);
  });
});
