import { type ClaimResult, type IdempotencyStore, MemoryStore } from "@webhook-kit/core";
import { PostgresStore } from "@webhook-kit/postgres";
import { RedisStore } from "@webhook-kit/redis";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useTwoPostgresPools } from "../support/postgres.js";
import { fcParams, sleep, useTwoRedisClients } from "./support.js";

// Model-based tests of the IdempotencyStore contract: random interleavings of claim / complete / release /
// renew / concurrent claims / time passing, run against a reference model. Time is tracked as intervals: an
// entry expires somewhere in [expLo, expHi] (when the call that set it ran between t0 and t1). A command
// whose moment falls inside that window may see either outcome; the model then follows what the store did.
// With MemoryStore's injected clock every moment is exact; with RedisStore and PostgresStore (real short leases)
// the window is the round trip, so the test is exact where it can be and never flaky where it cannot.

type Life = "live" | "expired" | "unknown";

interface Entry {
  state: "processing" | "completed";
  token: string;
  expLo: number;
  expHi: number;
}

interface Clock {
  now(): number;
  advance(ms: number): Promise<void>;
  /** Slack for clock granularity (Redis rounds expiries to whole ms). */
  eps: number;
}

interface Model {
  entries: Map<string, Entry>;
  /** Every token ever issued per key, stale ones included: commands pick among them. */
  tokens: Map<string, string[]>;
  clock: Clock;
  stats: Map<string, number>;
}

interface Real {
  store: IdempotencyStore;
  peer: IdempotencyStore;
}

const KEYS = ["k1", "k2", "k3"];

const count = (m: Model, what: string) => m.stats.set(what, (m.stats.get(what) ?? 0) + 1);

function life(m: Model, e: Entry, t0: number, t1: number): Life {
  if (t1 + m.clock.eps < e.expLo) return "live";
  if (t0 - m.clock.eps > e.expHi) return "expired";
  count(m, "expiry inside the call's window (either outcome accepted)");
  return "unknown";
}

/** Times a store call on the model's clock. */
async function timed<T>(m: Model, call: () => Promise<T>): Promise<{ value: T; t0: number; t1: number }> {
  const t0 = m.clock.now();
  const value = await call();
  return { value, t0, t1: m.clock.now() };
}

function pickToken(m: Model, key: string, index: number): string {
  const issued = m.tokens.get(key) ?? [];
  // One choice in (issued + 1) is a token nobody was ever given.
  return index % (issued.length + 1) === issued.length
    ? "never-issued-token"
    : issued[index % (issued.length + 1)]!;
}

function acceptClaim(m: Model, key: string, r: ClaimResult, t0: number, t1: number, leaseMs: number): void {
  const e = m.entries.get(key);
  const l = e ? life(m, e, t0, t1) : "expired";
  if (r.status === "claimed") {
    expect(l, `claimed ${key} while ${e?.state} and ${l}`).not.toBe("live");
    expect(typeof r.token === "string" && r.token.length > 0).toBe(true);
    for (const issued of m.tokens.values()) expect(issued).not.toContain(r.token);
    m.tokens.set(key, [...(m.tokens.get(key) ?? []), r.token]);
    m.entries.set(key, { state: "processing", token: r.token, expLo: t0 + leaseMs, expHi: t1 + leaseMs });
    count(m, e ? "claim: took over an expired entry" : "claim: claimed");
    return;
  }
  expect(e, `${r.status} for ${key}, which the model holds no entry for`).toBeDefined();
  expect(l, `${r.status} for ${key} whose entry has expired`).not.toBe("expired");
  if (r.status === "completed") {
    expect(e!.state).toBe("completed");
    count(m, "claim: completed");
  } else {
    expect(e!.state).toBe("processing");
    expect(r.retryAfterMs).toBeGreaterThan(0);
    expect(r.retryAfterMs).toBeLessThanOrEqual(e!.expHi - t0 + m.clock.eps + 1);
    count(m, "claim: in_progress");
  }
}

class ClaimCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly leaseMs: number,
    readonly viaPeer: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const s = this.viaPeer ? r.peer : r.store;
    const { value, t0, t1 } = await timed(m, () => s.claim(this.key, { leaseMs: this.leaseMs }));
    acceptClaim(m, this.key, value, t0, t1, this.leaseMs);
  }
  toString = () => `claim(${this.key}, ${this.leaseMs}${this.viaPeer ? ", peer" : ""})`;
}

class ConcurrentClaimCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly key: string,
    readonly copies: number,
    readonly leaseMs: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const { value, t0, t1 } = await timed(m, () =>
      Promise.all(
        Array.from({ length: this.copies }, (_, i) =>
          (i % 2 ? r.peer : r.store).claim(this.key, { leaseMs: this.leaseMs }),
        ),
      ),
    );
    const claimed = value.filter((v) => v.status === "claimed");
    expect(claimed.length, `${claimed.length} of ${this.copies} concurrent claims won`).toBeLessThanOrEqual(
      1,
    );
    if (claimed.length === 1) {
      // The winner first, then every loser must see the winner's claim in progress.
      acceptClaim(m, this.key, claimed[0]!, t0, t1, this.leaseMs);
      for (const v of value) if (v !== claimed[0]) expect(v.status).toBe("in_progress");
      count(m, "concurrent: one winner");
    } else {
      for (const v of value) acceptClaim(m, this.key, v, t0, t1, this.leaseMs);
      count(m, "concurrent: no winner");
    }
  }
  toString = () => `concurrentClaim(${this.key}, x${this.copies}, ${this.leaseMs})`;
}

type OwnerOp = "complete" | "release" | "renew";

class OwnerCmd implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly op: OwnerOp,
    readonly key: string,
    readonly tokenIndex: number,
    readonly ms: number,
    readonly viaPeer: boolean,
  ) {}
  check = () => true;
  async run(m: Model, r: Real) {
    const s = this.viaPeer ? r.peer : r.store;
    const token = pickToken(m, this.key, this.tokenIndex);
    const call = () =>
      this.op === "complete"
        ? s.complete(this.key, token, { retentionMs: this.ms })
        : this.op === "release"
          ? s.release(this.key, token)
          : s.renew(this.key, token, { leaseMs: this.ms });
    const { value, t0, t1 } = await timed(m, call);
    const e = m.entries.get(this.key);
    const owned = e !== undefined && e.state === "processing" && e.token === token;
    if (!owned) {
      expect(value, `${this.op} by a token that does not own ${this.key}`).toBe(false);
      count(m, `${this.op}: refused (not the owner)`);
      return;
    }
    const l = life(m, e, t0, t1);
    if (l === "live") expect(value, `${this.op} by the live owner`).toBe(true);
    if (l === "expired") expect(value, `${this.op} after the lease expired`).toBe(false);
    if (!value) {
      m.entries.delete(this.key); // the lease had expired: the key is free
      count(m, `${this.op}: refused (lease expired)`);
      count(m, "any: refused (lease expired)");
      return;
    }
    count(m, `${this.op}: done`);
    if (this.op === "release") m.entries.delete(this.key);
    else {
      e.state = this.op === "complete" ? "completed" : "processing";
      e.expLo = t0 + this.ms;
      e.expHi = t1 + this.ms;
    }
  }
  toString = () =>
    `${this.op}(${this.key}, token#${this.tokenIndex}, ${this.ms}${this.viaPeer ? ", peer" : ""})`;
}

class AdvanceCmd implements fc.AsyncCommand<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: Model) {
    await m.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms})`;
}

function commandArbs(short: number, long: number, advances: readonly number[]) {
  const key = fc.constantFrom(...KEYS);
  const ms = fc.constantFrom(short, long);
  return [
    fc.tuple(key, ms, fc.boolean()).map(([k, l, p]) => new ClaimCmd(k, l, p)),
    fc.tuple(key, fc.integer({ min: 2, max: 6 }), ms).map(([k, n, l]) => new ConcurrentClaimCmd(k, n, l)),
    fc
      .tuple(fc.constantFrom<OwnerOp>("complete", "release", "renew"), key, fc.nat(8), ms, fc.boolean())
      .map(([op, k, t, l, p]) => new OwnerCmd(op, k, t, l, p)),
    // Owners act far more often with their own, latest token.
    fc
      .tuple(fc.constantFrom<OwnerOp>("complete", "complete", "release", "renew"), key, ms)
      .map(([op, k, l]) => new LatestOwnerCmd(op, k, l)),
    fc.constantFrom(...advances).map((n) => new AdvanceCmd(n)),
  ];
}

/** An owner acting with the latest token issued for the key (the common, non-stale case). */
class LatestOwnerCmd extends OwnerCmd {
  constructor(op: OwnerOp, key: string, ms: number) {
    super(op, key, -1, ms, false);
  }
  override async run(m: Model, r: Real) {
    const issued = m.tokens.get(this.key) ?? [];
    const latest = new OwnerCmd(this.op, this.key, Math.max(0, issued.length - 1), this.ms, this.viaPeer);
    await latest.run(m, r);
  }
  override toString = () => `${this.op}(${this.key}, latest token, ${this.ms})`;
}

const REQUIRED = [
  "claim: claimed",
  "claim: completed",
  "claim: in_progress",
  "claim: took over an expired entry",
  "concurrent: one winner",
  "complete: done",
  "release: done",
  "renew: done",
  "complete: refused (not the owner)",
  "any: refused (lease expired)",
];

function mergeStats(into: Map<string, number>, from: Map<string, number>) {
  for (const [k, v] of from) into.set(k, (into.get(k) ?? 0) + v);
}

describe("store model: MemoryStore (injected clock)", () => {
  it("matches the reference model under random claim/complete/release/renew/expiry interleavings", async () => {
    const totals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commandArbs(100, 60_000, [30, 60, 99, 100, 101, 150]), { maxCommands: 50, size: "+1" }),
        async (cmds) => {
          let now = 1_750_000_000_000;
          const store = new MemoryStore({ now: () => now });
          const model: Model = {
            entries: new Map(),
            tokens: new Map(),
            clock: {
              now: () => now,
              advance: async (ms) => {
                now += ms;
              },
              eps: 0,
            },
            stats: new Map(),
          };
          await fc.asyncModelRun(() => ({ model, real: { store, peer: store } }), cmds);
          mergeStats(totals, model.stats);
        },
      ),
      fcParams("store model: MemoryStore", 0x5eed_0101, 120),
    );
    console.info(`[fuzz] MemoryStore model outcomes ${JSON.stringify(Object.fromEntries(totals))}`);
    for (const what of REQUIRED) expect(totals.get(what), what).toBeGreaterThan(0);
  });
});

describe("store model: RedisStore (real Redis, real short leases, two clients)", () => {
  const redis = useTwoRedisClients("hardening-model");
  const base = redis.base;

  it("matches the reference model; outcomes inside a round trip of an expiry may go either way", {
    timeout: 60_000,
  }, async () => {
    const totals = new Map<string, number>();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.commands(commandArbs(60, 60_000, [25, 75]), { maxCommands: 40, size: "+1" }),
        async (cmds) => {
          const prefix = `${base}${run++}:`;
          const [one, two] = redis.clients();
          const model: Model = {
            entries: new Map(),
            tokens: new Map(),
            clock: { now: () => performance.now(), advance: sleep, eps: 2 },
            stats: new Map(),
          };
          const real = {
            store: new RedisStore({ client: one, prefix, retryWritesForMs: 0 }),
            peer: new RedisStore({ client: two, prefix, retryWritesForMs: 0 }),
          };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          mergeStats(totals, model.stats);
        },
      ),
      fcParams("store model: RedisStore", 0x5eed_0102, 30),
    );
    console.info(`[fuzz] RedisStore model outcomes ${JSON.stringify(Object.fromEntries(totals))}`);
    for (const what of REQUIRED) expect(totals.get(what), what).toBeGreaterThan(0);
  });
});

describe("store model: PostgresStore (real PostgreSQL, real short leases, two pools)", () => {
  const postgres = useTwoPostgresPools("model");

  it("matches the reference model; outcomes inside a round trip of an expiry may go either way", {
    timeout: 90_000,
  }, async () => {
    const totals = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        // A longer short lease than Redis: a PostgreSQL statement under a loaded machine can take longer than 60 ms,
        // and a claim round trip past the lease makes a second winner legitimate (a takeover), not a bug.
        fc.commands(commandArbs(250, 60_000, [100, 320]), { maxCommands: 40, size: "+1" }),
        async (cmds) => {
          const table = postgres.table();
          const [one, two] = postgres.pools();
          const store = new PostgresStore({ pool: one, table, retryWritesForMs: 0 });
          await store.createSchema();
          const model: Model = {
            entries: new Map(),
            tokens: new Map(),
            // The database's clock: now() is the statement's start, inside the client's [t0, t1].
            clock: { now: () => performance.now(), advance: sleep, eps: 2 },
            stats: new Map(),
          };
          const real = { store, peer: new PostgresStore({ pool: two, table, retryWritesForMs: 0 }) };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          mergeStats(totals, model.stats);
        },
      ),
      fcParams("store model: PostgresStore", 0x5eed_0103, 30),
    );
    console.info(`[fuzz] PostgresStore model outcomes ${JSON.stringify(Object.fromEntries(totals))}`);
    for (const what of REQUIRED) expect(totals.get(what), what).toBeGreaterThan(0);
  });
});
