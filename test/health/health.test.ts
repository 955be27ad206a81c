import { BullMQQueue } from "@webhook-kit/bullmq";
import {
  createReceiver,
  type IdempotencyStore,
  isWebhookError,
  MemoryQueue,
  MemoryStore,
} from "@webhook-kit/core";
import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";
import { RedisStore } from "@webhook-kit/redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testQueueOptions, uniqueQueueName } from "../support/bullmq.js";
import { eulabel } from "../support/deliveries.js";
import { dropTables, type SharedPostgres, sharedPostgres, uniqueTable } from "../support/postgres.js";
import { freePort, type SharedRedis, sharedRedis, uniquePrefix } from "../support/redis.js";

let redis: SharedRedis;
let postgres: SharedPostgres;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  [redis, postgres] = await Promise.all([sharedRedis(), sharedPostgres()]);
});
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  await Promise.all([redis?.release(), postgres?.release()]);
});

/** A BullMQ queue on a port where no Redis listens: every connection is refused. */
async function refusingQueue(): Promise<BullMQQueue> {
  const queue = new BullMQQueue({
    connection: `redis://127.0.0.1:${await freePort()}`,
    name: uniqueQueueName("health"),
    ...testQueueOptions,
  });
  cleanups.push(() => queue.close());
  return queue;
}

/** A store that answers every call except ping, which it answers as `ping` says. */
function storeWithPing(ping?: IdempotencyStore["ping"]): IdempotencyStore {
  const inner = new MemoryStore();
  const store: IdempotencyStore = {
    claim: (key, options) => inner.claim(key, options),
    complete: (key, token, options) => inner.complete(key, token, options),
    release: (key, token, options) => inner.release(key, token, options),
    renew: (key, token, options) => inner.renew(key, token, options),
  };
  if (ping) store.ping = ping;
  return store;
}

describe("receiver.health()", () => {
  it("in-memory store and queue: ok, each check ok", async () => {
    const health = await createReceiver({ provider: eulabel(), queue: new MemoryQueue() }).health();
    expect(health.ok).toBe(true);
    expect(health.checks.store).toMatchObject({ ok: true });
    expect(health.checks.queue).toMatchObject({ ok: true });
    expect(health.checks.store.error).toBeUndefined();
  });

  it("without a queue there is no queue check", async () => {
    const health = await createReceiver({ provider: eulabel() }).health();
    expect(health).toEqual({ ok: true, checks: { store: { ok: true, ms: expect.any(Number) } } });
  });

  it("RedisStore and BullMQQueue on a live Redis: ok; they wrote no key", async () => {
    const client = new Redis(redis.url);
    const prefix = uniquePrefix("health");
    const queue = new BullMQQueue({
      connection: redis.url,
      name: uniqueQueueName("health"),
      ...testQueueOptions,
    });
    cleanups.push(
      async () => client.quit(),
      () => queue.close(),
    );
    const receiver = createReceiver({
      provider: eulabel(),
      store: new RedisStore({ client, prefix }),
      queue,
    });
    const health = await receiver.health();
    expect(health.ok, JSON.stringify(health)).toBe(true);
    expect(health.checks.store.skipped).toBeUndefined();
    expect(health.checks.queue?.ok).toBe(true);
    expect(await client.keys(`${prefix}*`)).toEqual([]);
    expect(await client.keys(`bull:${queue.name}:*`)).not.toContain(`bull:${queue.name}:wait`);
  });

  it("PostgresStore and BullMQQueue on PostgreSQL: ok; a missing table is not ready, with the fix", async () => {
    const pool = createPostgresPool(postgres.url);
    const table = uniqueTable("health");
    const queue = new BullMQQueue({
      postgres: postgres.url,
      name: uniqueQueueName("health"),
      ...testQueueOptions,
    });
    cleanups.push(
      () => pool.end(),
      () => dropTables(postgres.url, table),
      () => queue.close(),
    );
    const store = new PostgresStore({ pool, table });
    const receiver = createReceiver({ provider: eulabel(), store, queue });
    const missing = await receiver.health();
    expect(missing.ok).toBe(false);
    expect(missing.checks.store).toMatchObject({ ok: false, error: "unavailable" });
    expect(missing.checks.store.message).toMatch(/createSchema|schemaSql/);
    expect(missing.checks.queue?.ok).toBe(true);
    await store.createSchema();
    const ready = await receiver.health();
    expect(ready.ok, JSON.stringify(ready)).toBe(true);
    const rows = await pool.query(`SELECT count(*)::int AS n FROM "${table}"`);
    expect(rows.rows[0].n).toBe(0);
  });

  it("an unreachable Redis: not ok, `unavailable`, and the body holds no password", async () => {
    const port = await freePort();
    const url = `redis://app:hunter2-secret@127.0.0.1:${port}`;
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 1_000 });
    client.on("error", () => {});
    const queue = new BullMQQueue({ connection: url, name: uniqueQueueName("health"), ...testQueueOptions });
    cleanups.push(
      async () => client.disconnect(),
      () => queue.close(),
    );
    const receiver = createReceiver({ provider: eulabel(), store: new RedisStore({ client }), queue });
    const health = await receiver.health({ timeoutMs: 1_500 });
    expect(health.ok).toBe(false);
    expect(health.checks.store.ok).toBe(false);
    expect(health.checks.queue?.ok).toBe(false);
    expect(["unavailable", "timeout"]).toContain(health.checks.store.error);
    expect(JSON.stringify(health)).not.toContain("hunter2");
  });

  it("a queue whose Redis refuses connections from the start: `unavailable` with the refusal, not `timeout`", async () => {
    const queue = await refusingQueue();
    const receiver = createReceiver({ provider: eulabel(), store: new MemoryStore(), queue });
    // A budget far above a refused connect: a `timeout` here would mean the refusal was not heard.
    const health = await receiver.health({ timeoutMs: 10_000 });
    expect(health.checks.queue).toMatchObject({ ok: false, error: "unavailable" });
    expect(health.checks.queue?.message).toMatch(/ECONNREFUSED/);
  });

  it("a ping that never answers is a `timeout` within the budget: health() never hangs", async () => {
    const receiver = createReceiver({
      provider: eulabel(),
      store: storeWithPing(() => new Promise(() => {})),
    });
    const health = await receiver.health({ timeoutMs: 50 });
    expect(health.ok).toBe(false);
    expect(health.checks.store).toMatchObject({ ok: false, error: "timeout" });
    expect(health.checks.store.ms).toBeGreaterThanOrEqual(40);
  });

  it("a ping's message is one line with URL credentials masked; a store without ping() is skipped", async () => {
    const failing = storeWithPing(async () => {
      throw new Error("connect failed for postgres://app:hunter2@db.internal:5432/app");
    });
    const health = await createReceiver({ provider: eulabel(), store: failing }).health();
    expect(health.checks.store).toMatchObject({ ok: false, error: "unavailable" });
    expect(health.checks.store.message).toBe("connect failed for postgres://***@db.internal:5432/app");
    const bare = await createReceiver({ provider: eulabel(), store: storeWithPing() }).health();
    expect(bare).toMatchObject({ ok: true, checks: { store: { ok: true, skipped: true } } });
  });

  it("a wrong timeoutMs is refused with invalid_config", async () => {
    const receiver = createReceiver({ provider: eulabel() });
    // Past 2^31-1 ms Node fires the timer at once: accepted, it answered a false 503 after a few ms.
    for (const timeoutMs of [0, -1, 1.5, Number.NaN, 2 ** 31, 3_000_000_000]) {
      const refused = await receiver.health({ timeoutMs }).catch((error: unknown) => error);
      expect(isWebhookError(refused) && refused.code).toBe("invalid_config");
      expect(String(refused)).toContain("timeoutMs");
    }
    expect((await receiver.health({ timeoutMs: 2 ** 31 - 1 })).ok).toBe(true);
  });

  it("worker.health refuses a timeoutMs past Node's longest timer too", async () => {
    const queue = new MemoryQueue();
    cleanups.push(() => queue.close());
    const worker = createReceiver({ provider: eulabel(), queue }).work();
    cleanups.push(() => worker.close());
    const refused = await worker.health({ timeoutMs: 3_000_000_000 }).catch((error: unknown) => error);
    expect(isWebhookError(refused) && refused.code).toBe("invalid_config");
    expect(String(refused)).toMatch(/timeoutMs must be .*at most 2147483647/);
  });
});

describe("worker.health()", () => {
  it("consuming → paused → consuming → closed, on a BullMQQueue (Redis)", async () => {
    const queue = new BullMQQueue({
      connection: redis.url,
      name: uniqueQueueName("health"),
      ...testQueueOptions,
    });
    cleanups.push(() => queue.close());
    const receiver = createReceiver({ provider: eulabel(), queue });
    const worker = receiver.work({ concurrency: 1 });
    expect(await worker.health()).toMatchObject({
      ok: true,
      state: "consuming",
      checks: { queue: { ok: true } },
    });
    await worker.pause();
    expect(await worker.health()).toMatchObject({
      ok: false,
      state: "paused",
      checks: { queue: { ok: true } },
    });
    await worker.resume();
    expect((await worker.health()).ok).toBe(true);
    await worker.close();
    expect(await worker.health()).toMatchObject({ ok: false, state: "closed" });
  });

  it("a worker whose queue cannot be reached is not ok", async () => {
    const queue = await refusingQueue();
    const worker = createReceiver({ provider: eulabel(), queue }).work();
    cleanups.push(() => worker.close());
    const health = await worker.health({ timeoutMs: 500 });
    expect(health).toMatchObject({ ok: false, state: "consuming", checks: { queue: { ok: false } } });
  });
});
