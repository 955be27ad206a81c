import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness } from "../support/bullmq.js";
import { type SharedPostgres, sharedPostgres } from "../support/postgres.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";

// BullMQQueue.status() reads only the head of the ready jobs for the oldest age: that head must be the
// oldest end on both backends, or a queue with more than a few jobs would report the newest one's age.

let redis: SharedRedis;
let postgres: SharedPostgres;
beforeAll(async () => {
  [redis, postgres] = await Promise.all([sharedRedis(), sharedPostgres()]);
});
afterAll(async () => {
  await Promise.all([redis?.release(), postgres?.release()]);
});

describe.each([
  { label: "Redis", harness: () => redisHarness(redis.url) },
  { label: "PostgreSQL", harness: () => postgresHarness(postgres.url) },
])("BullMQQueue.status() on $label", ({ harness }) => {
  it("oldestWaitingMs is the first job's age behind 40 newer ones (more than it reads)", async () => {
    const h = harness();
    try {
      await h.queue.enqueue(delivery());
      const first = Date.now(); // the job's timestamp is taken before this: its age is at least asked - first
      await new Promise((resolve) => setTimeout(resolve, 600));
      const newer = Date.now();
      for (let i = 0; i < 40; i++) await h.queue.enqueue(delivery());
      const asked = Date.now();
      const status = await h.queue.status();
      expect(status.waiting).toBe(41);
      // At least the first job's age; a newer job's would be at most asked - newer.
      expect(status.oldestWaitingMs).toBeGreaterThanOrEqual(asked - first);
      expect(status.oldestWaitingMs).toBeGreaterThan(asked - newer);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe("BullMQQueue.status() on Redis, many dead letters", () => {
  it("counts reasons over the newest 200 only: bounded, and the sum says so", async () => {
    const h = redisHarness(redis.url);
    try {
      const total = 205;
      for (let i = 0; i < total; i++) await h.queue.enqueue(delivery());
      const consumer = h.queue.consume(
        async () => ({ status: "dead", error: "no handler", done: [], reason: "no_handler" }),
        { concurrency: 16 },
      );
      const until = Date.now() + 60_000;
      while ((await h.queue.status()).deadLetters < total) {
        if (Date.now() > until) throw new Error("the dead letters were not parked within 60 s");
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await consumer.close();
      const status = await h.queue.status();
      expect(status.deadLetters).toBe(total);
      expect(status.deadLettersByReason).toEqual({ no_handler: 200 });
    } finally {
      await h.close();
    }
  }, 90_000);
});
