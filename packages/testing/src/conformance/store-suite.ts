import { randomBytes } from "node:crypto";
import { type ClaimResult, hasVersions, type IdempotencyStore, type VersionStore } from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";

/** One fresh store for one test, and how time passes for it. */
export interface StoreHarness {
  store: IdempotencyStore;
  /** A second handle on the same state (another process's store); defaults to `store`. */
  peer?: IdempotencyStore;
  /**
   * The lease used by time-based scenarios. A virtual clock can use anything; a real one (Redis) needs
   * something short (50–200 ms) that still dwarfs one round trip.
   */
  leaseMs: number;
  /** Lets `ms` pass for the store: move an injected clock, or really wait. */
  advance(ms: number): Promise<void>;
  /** Frees what the factory made (clients, keys). */
  close?(): Promise<void>;
}

/** A long lease or retention: never reached within one test. */
const LONG = 60_000;

/**
 * The behaviour every `IdempotencyStore` owes the receiver, deadlines included (for a store that declares
 * `honoursDeadline`). `factory` makes a fresh store for each test.
 *
 * @example
 * const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
 * describeStoreConformance("MyStore", async () => ({ store: new MyStore(), leaseMs: 100, advance: sleep }));
 */
export function describeStoreConformance(
  name: string,
  factory: () => StoreHarness | Promise<StoreHarness>,
): void {
  describe(`IdempotencyStore conformance: ${name}`, () => {
    let current: StoreHarness | undefined;
    afterEach(async () => {
      await current?.close?.();
      current = undefined;
    });
    const setup = async () => {
      current = await factory();
      const { store, leaseMs, advance } = current;
      // Past a lease or a short retention, with room for a real clock's scheduling jitter.
      const pastLease = () => advance(leaseMs + Math.max(50, leaseMs / 2));
      return { store, peer: current.peer ?? store, leaseMs, advance, pastLease, key: freshKey };
    };

    it("ping() (optional): resolves on a working store, changes no claim, and refuses a passed deadline", async (ctx) => {
      const { store, key } = await setup();
      if (typeof store.ping !== "function") return ctx.skip();
      const k = key();
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("claimed");
      await store.ping();
      await store.ping({ deadline: Date.now() + 5_000 });
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
      expect((await store.claim(key(), { leaseMs: LONG })).status).toBe("claimed");
      if (store.honoursDeadline) await expect(store.ping({ deadline: Date.now() - 1 })).rejects.toThrow();
    });

    it("lets exactly one of 50 concurrent claims of one key win; the others are told in_progress", async () => {
      const { store, peer, key } = await setup();
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? store : peer).claim(k, { leaseMs: LONG })),
      );
      const claimed = results.filter((r) => r.status === "claimed");
      const busy = results.filter((r) => r.status === "in_progress");
      expect(claimed).toHaveLength(1);
      expect(busy).toHaveLength(49);
      for (const r of busy) {
        expect(r.status === "in_progress" && r.retryAfterMs > 0 && r.retryAfterMs <= LONG).toBe(true);
      }
    });

    it("a completed key answers completed to every later claim within retention, past the lease too", async () => {
      const { store, peer, key, pastLease } = await setup();
      const k = key();
      const token = claimedToken(await store.claim(k, { leaseMs: LONG }));
      expect(await store.complete(k, token, { retentionMs: LONG })).toBe(true);
      await pastLease();
      for (const s of [store, peer, store])
        expect(await s.claim(k, { leaseMs: LONG })).toEqual({ status: "completed" });
      // The owner's late release or renew must not forget or reopen a finished delivery.
      expect(await store.release(k, token)).toBe(false);
      expect(await store.renew(k, token, { leaseMs: LONG })).toBe(false);
      expect(await peer.claim(k, { leaseMs: LONG })).toEqual({ status: "completed" });
    });

    it("forgets a completed key once its retention has passed", async () => {
      const { store, key, leaseMs, pastLease } = await setup();
      const k = key();
      const token = claimedToken(await store.claim(k, { leaseMs: LONG }));
      expect(await store.complete(k, token, { retentionMs: leaseMs })).toBe(true);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("completed");
      await pastLease();
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("claimed");
    });

    it("after a crash (no complete, no release) the lease expires and another process takes over", async () => {
      const { store, peer, key, leaseMs, pastLease } = await setup();
      const k = key();
      const crashed = claimedToken(await store.claim(k, { leaseMs }));
      expect((await peer.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
      await pastLease();
      const takeover = claimedToken(await peer.claim(k, { leaseMs: LONG }));
      expect(takeover).not.toBe(crashed);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
      expect(await peer.complete(k, takeover, { retentionMs: LONG })).toBe(true);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("completed");
    });

    it("a stale owner's complete, release and renew return false and change nothing", async () => {
      const { store, peer, key, leaseMs, pastLease } = await setup();
      const k = key();
      const stale = claimedToken(await store.claim(k, { leaseMs }));
      await pastLease();
      const owner = claimedToken(await peer.claim(k, { leaseMs: LONG }));

      expect(await store.complete(k, stale, { retentionMs: LONG })).toBe(false);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress"); // not completed
      expect(await store.release(k, stale)).toBe(false);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress"); // not forgotten
      expect(await store.renew(k, stale, { leaseMs: LONG })).toBe(false);

      // The real owner is untouched and finishes normally.
      expect(await peer.renew(k, owner, { leaseMs: LONG })).toBe(true);
      expect(await peer.complete(k, owner, { retentionMs: LONG })).toBe(true);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("completed");
    });

    it("a stale owner cannot renew itself back to life once its lease has passed", async () => {
      const { store, peer, key, leaseMs, pastLease } = await setup();
      const k = key();
      const stale = claimedToken(await store.claim(k, { leaseMs }));
      await pastLease();
      expect(await store.renew(k, stale, { leaseMs: LONG })).toBe(false);
      expect(await store.complete(k, stale, { retentionMs: LONG })).toBe(false);
      expect((await peer.claim(k, { leaseMs: LONG })).status).toBe("claimed");
    });

    it("a token that was never issued owns nothing", async () => {
      const { store, key } = await setup();
      const k = key();
      claimedToken(await store.claim(k, { leaseMs: LONG }));
      for (const forged of ["", "guess", "00000000-0000-0000-0000-000000000000"]) {
        expect(await store.complete(k, forged, { retentionMs: LONG })).toBe(false);
        expect(await store.release(k, forged)).toBe(false);
        expect(await store.renew(k, forged, { leaseMs: LONG })).toBe(false);
      }
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
      // An unknown key has no owner either.
      const unknown = key();
      expect(await store.complete(unknown, "guess", { retentionMs: LONG })).toBe(false);
      expect((await store.claim(unknown, { leaseMs: LONG })).status).toBe("claimed");
    });

    it("release forgets a failed attempt: the next claim runs it again, and the old token is dead", async () => {
      const { store, peer, key } = await setup();
      const k = key();
      const first = claimedToken(await store.claim(k, { leaseMs: LONG }));
      expect(await store.release(k, first)).toBe(true);
      const second = claimedToken(await peer.claim(k, { leaseMs: LONG }));
      expect(second).not.toBe(first);
      expect(await store.release(k, first)).toBe(false);
      expect(await store.complete(k, first, { retentionMs: LONG })).toBe(false);
      expect((await store.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
    });

    it("renew keeps a live claim alive past its first lease", async () => {
      const { store, peer, key, leaseMs, advance } = await setup();
      const k = key();
      const token = claimedToken(await store.claim(k, { leaseMs }));
      await advance(leaseMs * 0.25);
      expect(await store.renew(k, token, { leaseMs: leaseMs * 4 })).toBe(true);
      await advance(leaseMs * 1.75); // 2 × the first lease since the claim, well inside the renewed one
      expect((await peer.claim(k, { leaseMs: LONG })).status).toBe("in_progress");
      expect(await store.complete(k, token, { retentionMs: LONG })).toBe(true);
    });

    it("in_progress reports how long the lease still holds", async () => {
      const { store, peer, key, leaseMs, advance } = await setup();
      const k = key();
      const lease = 10_000;
      claimedToken(await store.claim(k, { leaseMs: lease }));
      const fresh = inProgress(await peer.claim(k, { leaseMs: LONG }));
      expect(fresh).toBeGreaterThan(lease - leaseMs);
      expect(fresh).toBeLessThanOrEqual(lease);
      await advance(leaseMs * 2);
      const later = inProgress(await peer.claim(k, { leaseMs: LONG }));
      // +5: a real clock's timer may fire a millisecond early and PTTL rounds to whole milliseconds.
      expect(later).toBeLessThanOrEqual(lease - leaseMs * 2 + 5);
      expect(later).toBeGreaterThan(lease - leaseMs * 4);
    });

    it("distinct keys are independent", async () => {
      const { store, peer, key } = await setup();
      const [a, b, c] = [key(), key(), key()];
      const ta = claimedToken(await store.claim(a, { leaseMs: LONG }));
      const tb = claimedToken(await peer.claim(b, { leaseMs: LONG }));
      expect(await store.complete(a, ta, { retentionMs: LONG })).toBe(true);
      expect((await store.claim(b, { leaseMs: LONG })).status).toBe("in_progress");
      expect(await peer.release(b, tb)).toBe(true);
      expect((await store.claim(a, { leaseMs: LONG })).status).toBe("completed");
      expect((await store.claim(b, { leaseMs: LONG })).status).toBe("claimed");
      expect((await store.claim(c, { leaseMs: LONG })).status).toBe("claimed");
      // Another key's token owns nothing here.
      expect(await store.complete(c, ta, { retentionMs: LONG })).toBe(false);
    });

    // A store that declares `honoursDeadline` is trusted by the receiver to settle by the deadline it passes.
    it("a call whose deadline has passed starts nothing: it rejects and the key stays free", async () => {
      const { store, key } = await setup();
      const k = key();
      const past = { leaseMs: LONG, deadline: Date.now() - 1 };
      if (!store.honoursDeadline) {
        // Not declared: the receiver bounds each call itself; the option must still be accepted.
        expect((await store.claim(k, past)).status).toBe("claimed");
        return;
      }
      await expect(store.claim(k, past)).rejects.toThrow();
      const token = claimedToken(await store.claim(k, { leaseMs: LONG }));
      await expect(store.renew(k, token, past)).rejects.toThrow();
      expect(await store.complete(k, token, { retentionMs: LONG })).toBe(true);
    });

    it("a claim with a short deadline settles by it, and one that gave up never wedges the key", async () => {
      const { store, peer, key } = await setup();
      if (!store.honoursDeadline) return; // the receiver's own timer bounds such a store
      const k = key();
      const started = Date.now();
      const first = await store.claim(k, { leaseMs: LONG, deadline: started + 1 }).catch(() => undefined);
      // Settled by the deadline, give or take a timer's tick and the event loop under load.
      expect(Date.now() - started).toBeLessThan(250);
      if (first?.status === "claimed") return; // answered in time: an ordinary claim
      // It gave up. If the claim landed anyway, nobody runs it: the sender's retry must be able to claim
      // it soon, not meet in_progress for the whole (long) lease.
      const until = Date.now() + 3_000;
      let retry = await peer.claim(k, { leaseMs: LONG });
      while (retry.status === "in_progress" && Date.now() < until) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        retry = await peer.claim(k, { leaseMs: LONG });
      }
      expect(retry.status).toBe("claimed");
    });

    // Ordering's compare-and-set (the optional VersionStore capability): rows run where the store has it.
    const versioned = async () => {
      const parts = await setup();
      const { store, peer } = parts;
      if (!hasVersions(store) || !hasVersions(peer)) return undefined;
      return { ...parts, store: store as IdempotencyStore & VersionStore, peer: peer as VersionStore };
    };

    it("versions: an unknown entity has none; an advance stores it for every handle", async () => {
      const v = await versioned();
      if (!v) return;
      const e = v.key();
      expect(await v.store.latestVersion(e)).toBeUndefined();
      expect(await v.store.advanceVersion(e, 3, { retentionMs: LONG })).toEqual({
        advanced: true,
        latest: 3,
      });
      expect(await v.peer.latestVersion(e)).toBe(3);
    });

    it("versions never move backwards; an equal version does not advance; numbers compare as numbers", async () => {
      const v = await versioned();
      if (!v) return;
      const e = v.key();
      expect((await v.store.advanceVersion(e, 10, { retentionMs: LONG })).advanced).toBe(true);
      expect(await v.peer.advanceVersion(e, 9, { retentionMs: LONG })).toEqual({
        advanced: false,
        latest: 10,
      });
      expect(await v.peer.advanceVersion(e, 10, { retentionMs: LONG })).toEqual({
        advanced: false,
        latest: 10,
      });
      expect(await v.store.latestVersion(e)).toBe(10);
      expect((await v.peer.advanceVersion(e, 10.5, { retentionMs: LONG })).advanced).toBe(true);
      // Epoch microseconds (how timestamps are kept) are exact, one µs apart.
      const t = v.key();
      const us = 1_767_225_600_123_456;
      expect((await v.store.advanceVersion(t, us, { retentionMs: LONG })).advanced).toBe(true);
      expect((await v.peer.advanceVersion(t, us - 1, { retentionMs: LONG })).advanced).toBe(false);
      expect(await v.peer.advanceVersion(t, us + 1, { retentionMs: LONG })).toEqual({
        advanced: true,
        latest: us + 1,
      });
      expect(await v.store.latestVersion(t)).toBe(us + 1);
    });

    it("versions: of 50 concurrent advances to one version exactly one wins; of 1..50 at once the highest stays", async () => {
      const v = await versioned();
      if (!v) return;
      const e = v.key();
      const same = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          (i % 2 === 0 ? v.store : v.peer).advanceVersion(e, 7, { retentionMs: LONG }),
        ),
      );
      expect(same.filter((r) => r.advanced)).toHaveLength(1);
      for (const r of same) expect(r.latest).toBe(7);
      const f = v.key();
      const versions = Array.from({ length: 50 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
      const mixed = await Promise.all(
        versions.map((n, i) => (i % 2 === 0 ? v.store : v.peer).advanceVersion(f, n, { retentionMs: LONG })),
      );
      for (const [i, r] of mixed.entries()) expect(r.latest).toBeGreaterThanOrEqual(versions[i]!);
      expect(await v.store.latestVersion(f)).toBe(50);
    });

    it("versions: any string is an entity, kept apart from other entities and from delivery keys", async () => {
      const v = await versioned();
      if (!v) return;
      const base = v.key();
      const odd = [
        "{x}",
        "a%b",
        "a\uD800",
        "a\uDFFF",
        "nul\u0000",
        "é😀",
        "x".repeat(500),
        `${"y".repeat(300)}z`,
      ];
      const entities = odd.map((o) => `${base}:${o}`);
      for (const [i, e] of entities.entries()) {
        expect((await v.store.advanceVersion(e, i + 1, { retentionMs: LONG })).advanced).toBe(true);
      }
      for (const [i, e] of entities.entries()) expect(await v.peer.latestVersion(e)).toBe(i + 1);
      // The same string as a delivery key: claims and versions never see each other.
      const shared = entities[0]!;
      expect((await v.store.claim(shared, { leaseMs: LONG })).status).toBe("claimed");
      expect(await v.store.latestVersion(shared)).toBe(1);
      const fresh = v.key();
      expect((await v.store.advanceVersion(fresh, 1, { retentionMs: LONG })).advanced).toBe(true);
      expect((await v.store.claim(fresh, { leaseMs: LONG })).status).toBe("claimed");
    });

    it("versions are forgotten once their retention has passed", async () => {
      const v = await versioned();
      if (!v) return;
      const e = v.key();
      expect((await v.store.advanceVersion(e, 5, { retentionMs: v.leaseMs })).advanced).toBe(true);
      await v.pastLease();
      expect(await v.peer.latestVersion(e)).toBeUndefined();
      expect(await v.peer.advanceVersion(e, 1, { retentionMs: LONG })).toEqual({ advanced: true, latest: 1 });
    });

    it("versions: a call whose deadline has passed starts nothing", async () => {
      const v = await versioned();
      if (!v) return;
      if (!v.store.honoursDeadline) return;
      const e = v.key();
      const deadline = Date.now() - 1;
      await expect(v.store.advanceVersion(e, 1, { retentionMs: LONG, deadline })).rejects.toThrow();
      await expect(v.store.latestVersion(e, { deadline })).rejects.toThrow();
      expect(await v.store.latestVersion(e)).toBeUndefined();
    });

    it("issues a distinct token for every claim, across store handles", async () => {
      const { store, peer, key } = await setup();
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? store : peer).claim(key(), { leaseMs: LONG })),
      );
      const tokens = results.map(claimedToken);
      expect(new Set(tokens).size).toBe(100);
    });
  });
}

function freshKey(): string {
  return `conformance:${randomBytes(6).toString("hex")}`;
}

function claimedToken(result: ClaimResult): string {
  if (result.status !== "claimed") throw new Error(`expected "claimed", got ${JSON.stringify(result)}`);
  return result.token;
}

function inProgress(result: ClaimResult): number {
  if (result.status !== "in_progress")
    throw new Error(`expected "in_progress", got ${JSON.stringify(result)}`);
  return result.retryAfterMs;
}
