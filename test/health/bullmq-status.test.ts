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
      const first = Date.now();
      await h.queue.enqueue(delivery());
      await new Promise((resolve) => setTimeout(resolve, 600));
      const newer = Date.now();
      for (let i = 0; i < 40; i++) await h.queue.enqueue(delivery());
      const asked = Date.now();
      const status = await h.queue.status();
      expect(status.waiting).toBe(41);
      // At least the first job's age; a newer job's would be at most asked - newer.
      expect(status.oldestWaitingMs).toBeGreaterThanOrEqual(asked - first - 50);
      expect(status.oldestWaitingMs).toBeGreaterThan(asked - newer);
    } finally {
      await h.close();
    }
  }, 60_000);
});
