import { readFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { createReceiver } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import {
  createPostgresPool,
  failFastPoolOptions,
  PostgresStore,
  PostgresStoreError,
} from "@webhook-kit/postgres";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "./support/deliveries.js";
import { send } from "./support/http.js";
import {
  type PrivatePostgres,
  type SharedPostgres,
  sharedPostgres,
  startPrivatePostgres,
  uniqueTable,
} from "./support/postgres.js";
import { freePort } from "./support/redis.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const LONG = 60_000;

/** Pools made by a test, ended after it whatever happens. */
const pools: pg.Pool[] = [];
function track(pool: pg.Pool): pg.Pool {
  pools.push(pool);
  return pool;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.end().catch(() => {})));
});

async function claimedToken(store: PostgresStore, key: string, leaseMs = LONG): Promise<string> {
  const result = await store.claim(key, { leaseMs });
  if (result.status !== "claimed") throw new Error(`expected claimed, got ${JSON.stringify(result)}`);
  return result.token;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function failure(promise: Promise<unknown>): Promise<PostgresStoreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PostgresStoreError);
  return error as PostgresStoreError;
}

/** Every statement the pool's connections are asked to run, by statement name (or text). */
function countingPool(url: string, options: pg.PoolConfig = {}): { pool: pg.Pool; sent: string[] } {
  const pool = track(createPostgresPool({ connectionString: url, ...options }));
  const sent: string[] = [];
  const patched = new WeakSet<pg.PoolClient>();
  pool.on("acquire", (client) => {
    if (patched.has(client)) return;
    patched.add(client);
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (config: unknown, ...rest) => {
      const c = config as { name?: string; text?: string } | string;
      sent.push(typeof c === "string" ? c : (c.name ?? c.text ?? "?"));
      return query(config, ...rest);
    };
  });
  return { pool, sent };
}

describe("PostgresStore on the shared PostgreSQL", () => {
  let postgres: SharedPostgres;
  let admin: pg.Client;
  const tables: string[] = [];
  const table = (label: string) => {
    const name = uniqueTable(label);
    tables.push(name);
    return name;
  };
  const countRows = async (name: string, where = "true") =>
    Number((await admin.query(`SELECT count(*) FROM "${name}" WHERE ${where}`)).rows[0].count);

  beforeAll(async () => {
    postgres = await sharedPostgres();
    admin = new pg.Client({ connectionString: postgres.url });
    await admin.connect();
  });
  afterAll(async () => {
    if (admin) {
      for (const name of tables) await admin.query(`DROP TABLE IF EXISTS "${name}"`);
      await admin.end();
    }
    await postgres?.release();
  });

  it("keeps one row per delivery: key, state, owner token, expires_at = lease, then retention", async () => {
    const name = table("rows");
    const store = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), table: name });
    await store.createSchema();
    expect(store.table).toBe(`"public"."${name}"`);
    const token = await claimedToken(store, "eulabel:abc", 5_000);
    const row = async () =>
      (
        await admin.query(
          `SELECT key, state, token::text, extract(epoch FROM expires_at - now()) * 1000 AS ms FROM "${name}"`,
        )
      ).rows;
    const [leased] = await row();
    expect(leased).toMatchObject({ key: "eulabel:abc", state: "processing", token });
    expect(Number(leased.ms)).toBeGreaterThan(4_000);
    expect(Number(leased.ms)).toBeLessThanOrEqual(5_000);
    expect(await store.complete("eulabel:abc", token, { retentionMs: 3_600_000 })).toBe(true);
    const rows = await row();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ key: "eulabel:abc", state: "completed", token });
    expect(Number(rows[0].ms)).toBeGreaterThan(3_500_000);
  });

  it("each claim, renew, complete and release is one named statement on one connection, and nothing else", async () => {
    const name = table("roundtrips");
    const { pool, sent } = countingPool(postgres.url);
    const store = new PostgresStore({ pool, table: name, sweepEvery: 0 });
    await store.createSchema();
    sent.length = 0;
    const ops = 20;
    for (let i = 0; i < ops; i++) {
      const token = await claimedToken(store, `k${i}`);
      await store.renew(`k${i}`, token, { leaseMs: LONG });
      if (i % 2 === 0) await store.complete(`k${i}`, token, { retentionMs: LONG });
      else await store.release(`k${i}`, token);
      expect(await store.claim(`k${i}`, { leaseMs: LONG })).toMatchObject({
        status: i % 2 === 0 ? "completed" : "claimed",
      });
    }
    expect(sent).toHaveLength(ops * 4);
    const kinds = sent.map((statement) => /^webhook_kit_([a-z]+)_[0-9a-f]{12}$/.exec(statement)?.[1]);
    expect(kinds).toEqual(
      Array.from({ length: ops }, (_, i) => [
        "claim",
        "renew",
        i % 2 === 0 ? "complete" : "release",
        "claim",
      ]).flat(),
    );
  });

  it("the claims and the completions of one event-loop turn go out as one statement each (batchWrites)", async () => {
    const name = table("batched");
    const { pool, sent } = countingPool(postgres.url);
    const store = new PostgresStore({ pool, table: name, sweepEvery: 0 });
    await store.createSchema();
    await claimedToken(store, "taken");
    sent.length = 0;
    const keys = Array.from({ length: 40 }, (_, i) => `b${i}`);
    // 40 fresh keys, a key claimed twice in the same turn, and one already held.
    const results = await Promise.all([...keys, "b0", "taken"].map((k) => store.claim(k, { leaseMs: LONG })));
    expect(results.slice(0, 40).every((r) => r.status === "claimed")).toBe(true);
    expect(results[40]?.status).toBe("in_progress"); // the same key twice: exactly one claim won it
    expect(results[41]?.status).toBe("in_progress");
    const kind = (statement: string) => /^webhook_kit_([a-z_]+)_[0-9a-f]{12}$/.exec(statement)?.[1];
    // One batch of 41 distinct keys, and the repeated key in a batch of its own (a key is never twice in one).
    expect(sent.map(kind).sort()).toEqual(["claim", "claim_many"]);
    sent.length = 0;
    const tokens = results.slice(0, 40).map((r) => (r.status === "claimed" ? r.token : ""));
    const done = await Promise.all(
      keys.map((k, i) => store.complete(k, i === 7 ? tokens[8]! : tokens[i]!, { retentionMs: LONG })),
    );
    expect(done.filter(Boolean)).toHaveLength(39); // key b7 with another key's token owns nothing
    expect(done[7]).toBe(false);
    expect(sent.map(kind)).toEqual(["complete_many"]);
    expect((await store.claim("b7", { leaseMs: LONG })).status).toBe("in_progress");
    expect((await store.claim("b8", { leaseMs: LONG })).status).toBe("completed");
    // Off: one statement per call, as the unbatched contract reads.
    const unbatched = new PostgresStore({ pool, table: name, sweepEvery: 0, batchWrites: false });
    sent.length = 0;
    await Promise.all(["u1", "u2", "u3"].map((k) => unbatched.claim(k, { leaseMs: LONG })));
    expect(sent.map(kind)).toEqual(["claim", "claim", "claim"]);
  });

  it("a token that is not one the store issued is refused without a round trip", async () => {
    const name = table("forged");
    const { pool, sent } = countingPool(postgres.url);
    const store = new PostgresStore({ pool, table: name, sweepEvery: 0 });
    await store.createSchema();
    const token = await claimedToken(store, "k");
    sent.length = 0;
    for (const forged of ["", "guess", token.toUpperCase(), `${token} `, "'; DELETE FROM x; --"]) {
      expect(await store.complete("k", forged, { retentionMs: LONG })).toBe(false);
      expect(await store.release("k", forged)).toBe(false);
      expect(await store.renew("k", forged, { leaseMs: LONG })).toBe(false);
    }
    expect(sent).toEqual([]);
    expect((await store.claim("k", { leaseMs: LONG })).status).toBe("in_progress");
  });

  it("refuses SQL-hostile or ambiguous table and schema names at construction, and a non-pool", async () => {
    const pool = track(createPostgresPool(postgres.url));
    const hostile = [
      'x"; DROP TABLE users; --',
      "x; DROP TABLE users",
      "Webhooks",
      "1table",
      "two words",
      "dash-ed",
      'quo"te',
      "pg_catalog.pg_class",
      "tab\u0000le",
      "tablé",
      "",
    ];
    for (const name of hostile) {
      expect(() => new PostgresStore({ pool, table: name }), name).toThrow(TypeError);
      expect(() => new PostgresStore({ pool, table: name }), name).toThrow(
        /table must be a lower-case SQL identifier/,
      );
      if (name.length <= 63)
        expect(() => new PostgresStore({ pool, schema: name }), name).toThrow(/schema must be/);
      expect(() => PostgresStore.schemaSql({ table: name }), name).toThrow(TypeError);
    }
    expect(() => new PostgresStore({ pool, table: 42 as unknown as string })).toThrow(TypeError);
    // 48 characters at most for a table, so "<table>_expires_at" fits PostgreSQL's 63 bytes untruncated.
    expect(() => new PostgresStore({ pool, table: "a".repeat(49) })).toThrow(/at most 48 characters/);
    expect(() => new PostgresStore({ pool, schema: "s".repeat(64) })).toThrow(/schema must be/);
    expect(new PostgresStore({ pool, table: "a".repeat(48), schema: "app_1" }).table).toBe(
      `"app_1"."${"a".repeat(48)}"`,
    );
    const client = new pg.Client({ connectionString: postgres.url });
    expect(() => new PostgresStore({ pool: client as unknown as pg.Pool })).toThrow(/pg\.Pool/);
    expect(() => new PostgresStore({ pool: {} as pg.Pool })).toThrow(/pg\.Pool/);
    expect(() => new PostgresStore({ pool, defaultTimeoutMs: 0 })).toThrow(/defaultTimeoutMs/);
    expect(() => new PostgresStore({ pool, retryWritesForMs: -1 })).toThrow(/retryWritesForMs/);
    expect(() => new PostgresStore({ pool, sweepEvery: 1.5 })).toThrow(/sweepEvery/);
    // Nothing reached the database.
    const created = await admin.query(
      "SELECT count(*) FROM pg_class WHERE relname LIKE '%users%' OR relname ILIKE 'webhooks'",
    );
    expect(Number(created.rows[0].count)).toBe(0);
  });

  it("a missing table is reported in one line with the fix, and the receiver answers 503; createSchema() then heals it", async () => {
    const name = table("missing");
    const pool = track(createPostgresPool(postgres.url));
    const store = new PostgresStore({ pool, table: name });
    const error = await failure(store.claim("k", { leaseMs: LONG }));
    expect(error.reason).toBe("schema");
    expect(error.sqlState).toBe("42P01");
    expect(error.maybeApplied).toBe(false);
    expect(error.message).not.toContain("\n");
    expect(error.message).toContain(`table "public"."${name}" does not exist`);
    expect(error.message).toContain("await store.createSchema()");
    expect(error.message).toContain("docs/postgres.md");
    expect(store.pendingWrites).toBe(0); // nothing was applied, so nothing to hand back

    const receiver = createReceiver({ provider: eulabel(), store });
    receiver.on("passport.published", () => {});
    const delivery = await signedDelivery(passportEvent());
    const refused = await receiver.handle({
      method: "POST",
      path: "/",
      headers: delivery.headers,
      rawBody: Buffer.from(delivery.body),
    });
    expect(refused.status).toBe(503);

    await store.createSchema();
    // Same pool, same connections: the statements that failed to prepare are prepared again.
    for (let i = 0; i < 3; i++)
      expect((await store.claim(`k${i}`, { leaseMs: LONG })).status).toBe("claimed");
    const accepted = await receiver.handle({
      method: "POST",
      path: "/",
      headers: delivery.headers,
      rawBody: Buffer.from(delivery.body),
    });
    expect(accepted.status).toBe(200);
  });

  it("createSchema() runs exactly schemaSql(), is idempotent, and is safe from several processes at once", async () => {
    const name = table("schema");
    const stores = Array.from(
      { length: 4 },
      () => new PostgresStore({ pool: track(createPostgresPool(postgres.url)), table: name }),
    );
    await Promise.all(stores.map((s) => s.createSchema()));
    await stores[0]!.createSchema();
    const columns = await admin.query(
      "SELECT column_name, data_type, is_nullable, collation_name FROM information_schema.columns WHERE table_name = $1 ORDER BY ordinal_position",
      [name],
    );
    expect(columns.rows).toEqual([
      { column_name: "key", data_type: "text", is_nullable: "NO", collation_name: "C" },
      { column_name: "state", data_type: "text", is_nullable: "NO", collation_name: null },
      { column_name: "token", data_type: "uuid", is_nullable: "NO", collation_name: null },
      {
        column_name: "expires_at",
        data_type: "timestamp with time zone",
        is_nullable: "NO",
        collation_name: null,
      },
    ]);
    const indexes = await admin.query(
      "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname",
      [name],
    );
    expect(indexes.rows.map((r) => r.indexname)).toEqual([`${name}_expires_at`, `${name}_pkey`]);
    // The docs print the SQL for the default names, character for character.
    const docs = readFileSync(new URL("../docs/postgres.md", import.meta.url), "utf8");
    expect(docs).toContain(PostgresStore.schemaSql());
  });

  it("a table made by an older version (or by hand) is detected, with what differs and the fix", async () => {
    const name = table("older");
    await admin.query(
      `CREATE TABLE "${name}" (key text PRIMARY KEY, token text NOT NULL, expires_at bigint NOT NULL)`,
    );
    const store = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), table: name });
    const created = await failure(store.createSchema());
    expect(created.reason).toBe("schema");
    expect(created.message).not.toContain("\n");
    expect(created.message).toContain("was not created by this version");
    expect(created.message).toContain("found key text, token text, expires_at bigint");
    expect(created.message).toContain("createSchema()");
    const claimed = await failure(store.claim("k", { leaseMs: LONG }));
    expect(claimed.reason).toBe("schema");
    expect(claimed.message).toBe(created.message);
  });

  it("keys of any length or bytes are distinct, stored readable when they can be and hashed otherwise", async () => {
    const name = table("keys");
    const store = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), table: name });
    await store.createSchema();
    const long = "x".repeat(10_000);
    const keys = [
      "plain:key",
      "nul\u0000byte",
      "nul\u0000bytf",
      "\uD800", // lone surrogates: the same U+FFFD once encoded as UTF-8, so they must be hashed apart
      "\uDBFF",
      "a\uDC00b",
      "emoji:🎉",
      long,
      `${long}y`,
      "y".repeat(201),
      "'; DROP TABLE x; --",
      "sha256:not-a-hash",
      store.storedKey(long), // a key equal to another key's stored form is hashed, never confused with it
      " ",
    ];
    const tokens = new Map<string, string>();
    for (const key of keys) tokens.set(key, await claimedToken(store, key));
    for (const key of keys)
      expect((await store.claim(key, { leaseMs: LONG })).status, JSON.stringify(key.slice(0, 20))).toBe(
        "in_progress",
      );
    for (const key of keys)
      expect(await store.complete(key, tokens.get(key)!, { retentionMs: LONG })).toBe(true);
    expect(await countRows(name)).toBe(keys.length);

    expect(store.storedKey("plain:key")).toBe("plain:key");
    expect(store.storedKey("y".repeat(200))).toBe("y".repeat(200));
    expect(store.storedKey("y".repeat(201))).toMatch(/^sha256:[0-9a-f]{64}$/);
    // A DBA can compute the stored form of a long, well-formed key in SQL.
    const inSql = await admin.query(
      "SELECT 'sha256:' || encode(sha256(convert_to($1, 'UTF8')), 'hex') AS k",
      [long],
    );
    expect(store.storedKey(long)).toBe(inSql.rows[0].k);
    await expect(store.claim("", { leaseMs: LONG })).rejects.toThrow(TypeError);
  });

  it("deletes expired rows in bounded batches piggy-backed on claims, sooner while there is a backlog, never a live row", async () => {
    const name = table("sweep");
    const store = new PostgresStore({
      pool: track(createPostgresPool(postgres.url)),
      table: name,
      sweepEvery: 10,
      sweepBatch: 100,
    });
    await store.createSchema();
    await admin.query(
      `INSERT INTO "${name}" SELECT 'old:' || i, 'completed', gen_random_uuid(), now() - interval '1 hour' FROM generate_series(1, 3000) i`,
    );
    await admin.query(
      `INSERT INTO "${name}" SELECT 'live:' || i, 'completed', gen_random_uuid(), now() + interval '1 hour' FROM generate_series(1, 50) i`,
    );
    const expired = () => countRows(name, "expires_at <= now()");
    for (let i = 0; i < 9; i++) await claimedToken(store, `new:${i}`);
    await sleep(100);
    expect(await expired()).toBe(3000); // no sweep before the 10th claim
    await claimedToken(store, "new:9");
    await until("the first sweep", async () => ((await expired()) === 2900 ? true : undefined));
    // A full batch means a backlog: the next sweep comes after 1 claim instead of 10.
    await claimedToken(store, "new:10");
    await until("the second sweep", async () => ((await expired()) === 2800 ? true : undefined));
    expect(await store.deleteExpired(1_000_000)).toBe(2800);
    expect(await expired()).toBe(0);
    expect(await countRows(name)).toBe(50 + 11); // every live row is still there
    await expect(store.deleteExpired(0)).rejects.toThrow(RangeError);
  });

  // One store batches the claims of a turn, so a second claim of a key never meets the first one's row inside
  // PostgreSQL: the INSERT … ON CONFLICT path that must refuse a live row is reached only with two stores (two
  // processes) on one table. Each case, single-key statement and batched, in both orders.
  for (const batchWrites of [false, true]) {
    it(`two stores on one table (batchWrites ${batchWrites}): a key claimed by both at once has one owner; an expired row is taken over by one, a live row by none`, async () => {
      const name = table(`two_${batchWrites}`);
      // Generous budgets: a loaded machine makes the race slower, not different.
      const options = { table: name, batchWrites, defaultTimeoutMs: 20_000 };
      const one = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), ...options });
      const two = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), ...options });
      await one.createSchema();
      const keys = Array.from({ length: 120 }, (_, i) => `race:${i}`);
      // Both stores claim each key at once, 8 keys at a time (within each pool; batched, 8 rows a statement).
      const bothAtOnce = async (order: (i: number) => PostgresStore[]) => {
        const out: Awaited<ReturnType<PostgresStore["claim"]>>[][] = [];
        for (let at = 0; at < keys.length; at += 8) {
          const chunk = keys.slice(at, at + 8);
          out.push(
            ...(await Promise.all(
              chunk.map((key, j) =>
                Promise.all(order(at + j).map((store) => store.claim(key, { leaseMs: LONG }))),
              ),
            )),
          );
        }
        return out;
      };
      const fresh = await bothAtOnce((i) => (i % 2 ? [one, two] : [two, one]));
      const owners = fresh.map((pair) => pair.filter((r) => r.status === "claimed").length);
      expect(owners.filter((n) => n !== 1)).toEqual([]);
      expect(await countRows(name, "state = 'processing' AND expires_at > now()")).toBe(keys.length);

      // Every row expired (a lease that passed: its holder crashed): both stores claim again, one wins each.
      await admin.query(`UPDATE "${name}" SET expires_at = now() - interval '1 second'`);
      const retaken = await bothAtOnce((i) => (i % 2 ? [two, one] : [one, two]));
      const winners = retaken.map((pair) => pair.filter((r) => r.status === "claimed"));
      expect(winners.map((w) => w.length).filter((n) => n !== 1)).toEqual([]);
      // The winner's token is the row's: the loser did not overwrite it after the fact.
      const rows = new Map(
        (await admin.query(`SELECT key, token::text AS token FROM "${name}"`)).rows.map((r) => [
          r.key,
          r.token,
        ]),
      );
      keys.forEach((key, i) => {
        const [won] = winners[i] as [{ status: "claimed"; token: string }];
        expect(rows.get(key)).toBe(won.token);
      });
      // And the losers were told the truth: in progress, not completed.
      for (const pair of retaken)
        expect(pair.filter((r) => r.status !== "claimed").map((r) => r.status)).toEqual(["in_progress"]);

      // A live row (held, or completed) is never taken over, whichever store asks.
      const [first] = keys as [string];
      const [won] = winners[0] as [{ status: "claimed"; token: string }];
      expect(await one.complete(first, won.token, { retentionMs: LONG })).toBe(true);
      for (const store of [one, two]) {
        expect((await store.claim(first, { leaseMs: LONG })).status).toBe("completed");
        expect((await store.claim(keys[1] as string, { leaseMs: LONG })).status).toBe("in_progress");
      }
    });
  }

  it("the sweep never deletes a live row: held claims still complete and completed keys still refuse, with a sweep on every claim", async () => {
    const name = table("sweeplive");
    const store = new PostgresStore({
      pool: track(createPostgresPool(postgres.url)),
      table: name,
      sweepEvery: 1,
      sweepBatch: 1_000,
    });
    const other = new PostgresStore({
      pool: track(createPostgresPool(postgres.url)),
      table: name,
      sweepEvery: 0,
    });
    await store.createSchema();
    await admin.query(
      `INSERT INTO "${name}" SELECT 'old:' || i, CASE WHEN i % 2 = 0 THEN 'completed' ELSE 'processing' END, gen_random_uuid(), now() - interval '1 second' * i FROM generate_series(1, 2000) i`,
    );
    // Live rows of both kinds, held and completed, beside expired rows of both kinds.
    const held = new Map<string, string>();
    for (let i = 0; i < 40; i++)
      held.set(`held:${i}`, await claimedToken(other, `held:${i}`, i % 2 ? LONG : 2 * LONG));
    const completed: string[] = [];
    for (let i = 0; i < 40; i++) {
      const key = `done:${i}`;
      expect(
        await other.complete(key, await claimedToken(other, key), { retentionMs: i % 2 ? LONG : 2 * LONG }),
      ).toBe(true);
      completed.push(key);
    }
    // Claims through the sweeping store: each one starts a sweep, until the backlog is gone.
    for (let i = 0; i < 30; i++) await claimedToken(store, `new:${i}`);
    await until("the backlog swept", async () =>
      (await countRows(name, "expires_at <= now()")) === 0 ? true : undefined,
    );
    expect(await store.deleteExpired(1_000_000)).toBe(0);
    // Every live row is still there and still means what it meant.
    for (const key of completed) expect((await store.claim(key, { leaseMs: LONG })).status).toBe("completed");
    for (const key of held.keys())
      expect((await store.claim(key, { leaseMs: LONG })).status).toBe("in_progress");
    for (const [key, token] of held)
      expect(await other.complete(key, token, { retentionMs: LONG })).toBe(true);
    expect(await countRows(name)).toBe(40 + 40 + 30);
  });

  it("a slow statement (a lock) rejects within the budget; a claim whose reply never came is handed back", async () => {
    const name = table("locked");
    const store = new PostgresStore({
      pool: track(createPostgresPool(postgres.url)),
      table: name,
      defaultTimeoutMs: 300,
    });
    const other = new PostgresStore({ pool: track(createPostgresPool(postgres.url)), table: name });
    await store.createSchema();
    await admin.query("BEGIN");
    await admin.query(`LOCK TABLE "${name}" IN ACCESS EXCLUSIVE MODE`);
    const started = Date.now();
    const error = await failure(store.claim("slow-claim", { leaseMs: LONG }));
    const elapsed = Date.now() - started;
    await sleep(300);
    await admin.query("COMMIT"); // the claim, still waiting in PostgreSQL, is applied now
    expect(error.reason).toBe("timeout");
    expect(error.maybeApplied).toBe(true);
    expect(error.message).toMatch(/within 300 ms; the statement was sent/);
    expect(elapsed).toBeLessThan(1_000);
    console.info(`[fail-fast] statement blocked by a lock → rejected after ${elapsed} ms (budget 300 ms)`);
    // Without the hand-back the key would answer in_progress for 60 s (LONG).
    const status = await until("the key to be free again", async () => {
      const result = await other.claim("slow-claim", { leaseMs: LONG });
      return result.status === "claimed" ? result.status : undefined;
    });
    expect(status).toBe("claimed");
    expect(store.pendingWrites).toBe(0);
  });

  it("a pool exhausted by other work rejects within the budget, then serves again; the late connection is given back", async () => {
    const name = table("exhausted");
    // pg's default pool: no connectionTimeoutMillis, so it would wait for a connection forever.
    const pool = track(new pg.Pool({ connectionString: postgres.url, max: 2 }));
    const store = new PostgresStore({ pool, table: name, defaultTimeoutMs: 300 });
    await store.createSchema();
    const held = [await pool.connect(), await pool.connect()];
    const started = Date.now();
    const error = await failure(store.claim("k", { leaseMs: LONG }));
    const elapsed = Date.now() - started;
    expect(error.reason).toBe("timeout");
    expect(error.maybeApplied).toBe(false);
    expect(error.message).toMatch(/waiting for a pool connection \(2 open, 0 idle, 1 waiting\)/);
    expect(elapsed).toBeLessThan(1_000);
    console.info(`[fail-fast] pool exhausted → rejected after ${elapsed} ms (budget 300 ms)`);
    for (const client of held) client.release();
    await until("the waiting connection to come back", async () => (pool.idleCount === 2 ? true : undefined));
    expect((await store.claim("k", { leaseMs: LONG })).status).toBe("claimed");
  });

  it("failFastPoolOptions bound every wait below the receiver's 2 s budget", () => {
    expect(failFastPoolOptions.connectionTimeoutMillis).toBeLessThan(2_000);
    expect(failFastPoolOptions.statement_timeout).toBeLessThan(2_000);
    const pool = track(createPostgresPool({ connectionString: postgres.url, max: 3 }));
    expect(pool.options.max).toBe(3);
    expect(pool.options.connectionTimeoutMillis).toBe(1_000);
    expect(pool.listenerCount("error")).toBe(1);
  });
});

describe("PostgresStore fails fast and recovers alone", () => {
  it("rejects at once when nothing listens", async () => {
    const port = await freePort();
    const store = new PostgresStore({
      pool: track(createPostgresPool(`postgres://postgres@127.0.0.1:${port}/test`)),
    });
    const started = Date.now();
    const error = await failure(store.claim("k", { leaseMs: LONG }));
    const elapsed = Date.now() - started;
    expect(error.operation).toBe("claim");
    expect(error.reason).toBe("unavailable");
    expect(error.message).toMatch(/PostgresStore\.claim: no connection to PostgreSQL/);
    expect(error.maybeApplied).toBe(false);
    expect(store.pendingWrites).toBe(0); // never sent: nothing to hand back
    expect(elapsed).toBeLessThan(1_500);
    console.info(`[fail-fast] nothing listening → rejected after ${elapsed} ms`);
  });

  it("gives up after defaultTimeoutMs when the server accepts connections but never answers, even with pg's defaults", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // a hung server: TCP up, no replies
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const pool = track(new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` }));
      const store = new PostgresStore({ pool, defaultTimeoutMs: 400 });
      const started = Date.now();
      const error = await failure(store.claim("k", { leaseMs: LONG }));
      const elapsed = Date.now() - started;
      expect(error.reason).toBe("timeout");
      expect(error.message).toMatch(/within 400 ms/);
      expect(error.maybeApplied).toBe(false);
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(1_400);
      console.info(`[fail-fast] hung server → rejected after ${elapsed} ms (budget 400 ms)`);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("a receiver's deadline bounds the call, not the store's default: 503 by storeTimeoutMs on a hung server", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const pool = track(new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${port}/test` }));
      const store = new PostgresStore({ pool, defaultTimeoutMs: 10_000 });
      const direct = Date.now();
      const error = await failure(store.claim("k", { leaseMs: LONG, deadline: Date.now() + 300 }));
      expect(error.reason).toBe("timeout");
      expect(Date.now() - direct).toBeLessThan(1_000);
      // The receiver sets no timer around a store that honours deadlines: the store's own must fire.
      const receiver = createReceiver({ provider: eulabel(), store, storeTimeoutMs: 300 });
      const wire = await signedDelivery(passportEvent());
      const started = Date.now();
      const response = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  describe("a receiver on node:http over a private PostgreSQL that crashes and restarts", () => {
    let postgres: PrivatePostgres;
    let server: http.Server;
    let url: string;
    let pool: pg.Pool;
    const handled: string[] = [];
    beforeAll(async () => {
      postgres = await startPrivatePostgres();
      pool = createPostgresPool(postgres.url);
      const store = new PostgresStore({ pool });
      await store.createSchema();
      const receiver = createReceiver({ provider: eulabel(), store });
      receiver.on("passport.published", (event) => {
        handled.push(event.payload.timestamp);
      });
      server = http.createServer(createNodeHandler(receiver));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    }, 60_000);
    afterAll(async () => {
      server?.close();
      await pool?.end().catch(() => {});
      await postgres?.stop();
    });

    it("answers 503 store_unavailable + Retry-After while PostgreSQL is down, then 200 again without a restart", async () => {
      const before = await signedDelivery(passportEvent());
      expect((await send(url, before)).status).toBe(200);

      await postgres.kill();
      const killedAt = Date.now();
      const during = await signedDelivery(passportEvent());
      const down = await send(url, during);
      const downMs = Date.now() - killedAt;
      expect(down.status).toBe(503);
      expect(down.json.error).toBe("store_unavailable");
      expect(Number(down.headers["retry-after"])).toBeGreaterThan(0);
      expect(handled).toHaveLength(1); // nothing acknowledged that could not be deduplicated
      console.info(`[fail-fast] PostgreSQL down → 503 store_unavailable answered in ${downMs} ms`);

      await postgres.start();
      const restartedAt = Date.now();
      const again = await until("a 200 after the restart", async () => {
        const response = await send(url, during);
        return response.status === 200 ? response : undefined;
      });
      console.info(`[recovery] PostgreSQL back → 200 after ${Date.now() - restartedAt} ms`);
      expect(again.json).toEqual({ received: true });
      expect(handled).toHaveLength(2);
      // The completion from before the crash was committed (WAL): the old delivery is still a duplicate.
      expect((await send(url, before)).json).toEqual({ received: true, duplicate: true });
      expect(handled).toHaveLength(2);
    }, 60_000);

    it("a completion that failed while PostgreSQL was down is written once it is back", async () => {
      const store = new PostgresStore({ pool, defaultTimeoutMs: 500 });
      const token = await claimedToken(store, "late-complete");
      await postgres.kill();
      await failure(store.complete("late-complete", token, { retentionMs: LONG }));
      expect(store.pendingWrites).toBe(1);
      await postgres.start();
      await until("the retried complete", async () => (store.pendingWrites === 0 ? true : undefined));
      expect(await store.claim("late-complete", { leaseMs: LONG })).toEqual({ status: "completed" });
    }, 60_000);
  });
});
