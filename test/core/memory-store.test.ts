import { createReceiver, MemoryStore, providers, sign, type WebhookRequest } from "@webhook-kit/core";
import { afterEach, describe, expect, it, vi } from "vitest";

const SECRET = "whsec_memory_store_test_secret";
const provider = providers.eulabel({ secret: SECRET });

/** A signed EUlabel delivery whose body (and so key) is unique per `n`. */
async function delivery(n: number): Promise<WebhookRequest> {
  const body = JSON.stringify({
    event: "scan.threshold",
    id: `ps_${n}`,
    timestamp: `2026-03-25T10:00:${n}Z`,
  });
  const { headers, body: rawBody } = await sign(provider, body);
  return { method: "POST", headers, rawBody, remoteAddress: "127.0.0.1" };
}

/** Handlers for `ps_<blocked>` wait until `unblock()`; every run is counted per passport id. */
function blockingReceiver(store: MemoryStore, blocked: Set<string>) {
  const receiver = createReceiver({ provider, store, ackDeadlineMs: 60_000 });
  const runs = new Map<string, number>();
  let running = 0;
  let maxConcurrentOfBlocked = 0;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  receiver.on("scan.threshold", async (event) => {
    const id = event.payload.id ?? "";
    runs.set(id, (runs.get(id) ?? 0) + 1);
    if (!blocked.has(id)) return;
    running += 1;
    maxConcurrentOfBlocked = Math.max(maxConcurrentOfBlocked, running);
    await gate;
    running -= 1;
  });
  return { receiver, runs, unblock: release, maxConcurrent: () => maxConcurrentOfBlocked };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("MemoryStore never evicts a claim whose handlers are still running", () => {
  it("a copy of an in-progress delivery gets 409 even after maxEntries newer deliveries completed", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = new MemoryStore({ maxEntries: 2 });
    const { receiver, runs, unblock, maxConcurrent } = blockingReceiver(store, new Set(["ps_0"]));
    const first = receiver.handle(await delivery(0)); // claims ps_0 and blocks
    await vi.waitFor(() => expect(runs.get("ps_0")).toBe(1));
    for (const n of [1, 2, 3]) expect((await receiver.handle(await delivery(n))).status).toBe(200);
    // The copy either is answered (409) or starts a second run that blocks too: wait for whichever comes.
    let answered: number | undefined;
    const copy = receiver.handle(await delivery(0)).then((res) => {
      answered = res.status;
    });
    await vi.waitFor(() => expect(answered !== undefined || runs.get("ps_0") === 2).toBe(true));
    expect(runs.get("ps_0")).toBe(1);
    expect(maxConcurrent()).toBe(1);
    expect(answered).toBe(409);
    unblock();
    await copy;
    expect((await first).status).toBe(200);
    expect(store.size).toBeLessThanOrEqual(2);
  });

  it("when every slot holds a running claim, a new delivery is refused 503 (retried later), not run or lost", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => {}); // the retry at the end evicts a completed key
    const store = new MemoryStore({ maxEntries: 2 });
    const { receiver, runs, unblock } = blockingReceiver(store, new Set(["ps_0", "ps_1"]));
    const running = [receiver.handle(await delivery(0)), receiver.handle(await delivery(1))];
    await vi.waitFor(() => expect(runs.get("ps_1")).toBe(1));
    const refused = await receiver.handle(await delivery(2));
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).error).toBe("store_unavailable");
    expect(runs.get("ps_2")).toBeUndefined();
    // Both claims are intact: their copies are told in_progress.
    expect((await receiver.handle(await delivery(0))).status).toBe(409);
    unblock();
    for (const res of await Promise.all(running)) expect(res.status).toBe(200);
    // Room again: the sender's retry of the refused delivery runs.
    expect((await receiver.handle(await delivery(2))).status).toBe(200);
    expect(runs.get("ps_2")).toBe(1);
  });
});

describe("MemoryStore logs the eviction of a live completed key by default", () => {
  it("console.warn gets one line naming the key and maxEntries, with no hook configured", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = new MemoryStore({ maxEntries: 1 });
    const receiver = createReceiver({ provider, store });
    receiver.on("*", () => {});
    expect((await receiver.handle(await delivery(10))).status).toBe(200);
    expect(warn).not.toHaveBeenCalled();
    expect((await receiver.handle(await delivery(11))).status).toBe(200);
    expect(warn).toHaveBeenCalledTimes(1);
    const line = String(warn.mock.calls[0]?.[0]);
    expect(line).toMatch(/maxEntries/);
    expect(line).toMatch(/^\S.*$/); // one line
    expect(line).not.toContain(SECRET);
  });

  it("repeats at most once a minute with the count since the last line; a given logger or onEvict replaces console", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let now = 1_750_000_000_000;
    const lines: string[] = [];
    const store = new MemoryStore({
      maxEntries: 1,
      now: () => now,
      logger: { warn: (m: string) => lines.push(m) },
    });
    const fill = async (key: string) => {
      const claim = await store.claim(key, { leaseMs: 1_000 });
      if (claim.status !== "claimed") throw new Error(`expected a claim of ${key}`);
      await store.complete(key, claim.token, { retentionMs: 3_600_000 });
    };
    for (const key of ["k0", "k1", "k2", "k3"]) await fill(key); // evicts k0, k1, k2
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("(k0)");
    now += 61_000;
    await fill("k4"); // evicts k3: the 2 held back plus this one
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/3 completed keys .*latest: k3/);
    expect(warn).not.toHaveBeenCalled();

    const evicted: string[] = [];
    const hooked = new MemoryStore({ maxEntries: 1, onEvict: (key) => evicted.push(key) });
    for (const key of ["a", "b"]) {
      const claim = await hooked.claim(key, { leaseMs: 1_000 });
      if (claim.status === "claimed") await hooked.complete(key, claim.token, { retentionMs: 60_000 });
    }
    expect(evicted).toEqual(["a"]);
    expect(warn).not.toHaveBeenCalled();
  });

  it("an expired completed key is dropped silently", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    let now = 1_750_000_000_000;
    const store = new MemoryStore({ maxEntries: 1, now: () => now });
    const claim = await store.claim("old", { leaseMs: 1_000 });
    if (claim.status === "claimed") await store.complete("old", claim.token, { retentionMs: 1_000 });
    now += 2_000;
    expect((await store.claim("new", { leaseMs: 1_000 })).status).toBe("claimed");
    expect(warn).not.toHaveBeenCalled();
    expect(store.size).toBe(1);
  });
});

describe("MemoryStore's clock, read once per call", () => {
  it("a lease starts when it is claimed and a copy's retry-after stays within it, on a clock that moves on every read", async () => {
    let t = 1_000;
    const store = new MemoryStore({ now: () => (t += 1) });
    const first = await store.claim("k", { leaseMs: 100 });
    expect(first.status).toBe("claimed");
    const copy = await store.claim("k", { leaseMs: 100 });
    // One read per call: the claim began 1 ms before the copy's read, so 99 ms remain.
    expect(copy).toEqual({ status: "in_progress", retryAfterMs: 99 });
    t += 98; // the lease ends at the next read
    expect((await store.claim("k", { leaseMs: 100 })).status).toBe("claimed");
  });

  it("when a full store frees an expired claim, the new lease starts after that pass, not before it", async () => {
    let t = 0;
    const store = new MemoryStore({ maxEntries: 1, now: () => t });
    expect((await store.claim("crashed", { leaseMs: 10 })).status).toBe("claimed");
    t = 50; // the crashed owner's lease is over; the only slot is still its claim
    expect((await store.claim("next", { leaseMs: 100 })).status).toBe("claimed");
    t = 149;
    expect(await store.claim("next", { leaseMs: 100 })).toEqual({ status: "in_progress", retryAfterMs: 1 });
  });
});
