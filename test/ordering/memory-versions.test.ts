import { MemoryStore } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

describe("MemoryStore versions: bounded like its keys", () => {
  it("holds at most maxEntries entities, least recently used leaving first; delivery keys unaffected", async () => {
    const store = new MemoryStore({ maxEntries: 10 });
    const claim = await store.claim("delivery", { leaseMs: 60_000 });
    for (let i = 0; i < 1_000; i++) await store.advanceVersion(`entity:${i}`, i, { retentionMs: 60_000 });
    expect(store.versionCount).toBe(10);
    expect(await store.latestVersion("entity:999")).toBe(999);
    expect(await store.latestVersion("entity:0")).toBeUndefined();
    expect(claim.status).toBe("claimed");
    expect((await store.claim("delivery", { leaseMs: 60_000 })).status).toBe("in_progress");
  });

  it("refuses a version that is not a finite number", async () => {
    const store = new MemoryStore();
    await expect(store.advanceVersion("e", Number.NaN, { retentionMs: 1_000 })).rejects.toThrow(RangeError);
  });
});
