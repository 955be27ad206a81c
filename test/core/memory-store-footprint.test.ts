import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { MemoryStore } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

// A full gc() on demand, so heap growth is measured on live objects only (no timing involved).
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Heap bytes per completed key held by a MemoryStore of `count` keys made by `keyOf`. */
async function bytesPerKey(count: number, keyOf: (i: number) => string): Promise<number> {
  const store = new MemoryStore({ maxEntries: count });
  gc();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < count; i++) {
    const key = keyOf(i);
    const claim = await store.claim(key, { leaseMs: 30_000 });
    if (claim.status !== "claimed") throw new Error(`unexpected ${claim.status}`);
    await store.complete(key, claim.token, { retentionMs: 72 * 3_600_000 });
  }
  gc();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  expect(store.size).toBe(count);
  return bytes;
}

describe("MemoryStore footprint (issue #23: under sustained load every retained key is old-generation garbage later)", () => {
  it("a completed key costs its string and a slot, not an entry object and a token", async () => {
    // Keys as the receiver builds them: `${namespace}:${id}`, with ids from randomUUID() — itself a chain of
    // concatenated pieces that a Map would keep whole (≈ 550 bytes a key) unless the store flattens it.
    const bytes = await bytesPerKey(50_000, () => `github:${randomUUID()}`);
    // Measured ≈ 100 bytes (key ≈ 60, LRU slot and map entry the rest); 181 with entry objects, ≈ 550 unflattened.
    expect(bytes).toBeLessThan(250);
  });
});
