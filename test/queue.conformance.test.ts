import { MemoryQueue } from "@webhook-kit/core";
import { describeQueueConformance } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll } from "vitest";
import { postgresHarness, redisHarness } from "./support/bullmq.js";
import { type SharedPostgres, sharedPostgres } from "./support/postgres.js";
import { type SharedRedis, sharedRedis } from "./support/redis.js";

describeQueueConformance("MemoryQueue", () => ({ queue: new MemoryQueue() }));

let redis: SharedRedis;
let postgres: SharedPostgres;
beforeAll(async () => {
  [redis, postgres] = await Promise.all([sharedRedis(), sharedPostgres()]);
});
afterAll(async () => {
  await Promise.all([redis?.release(), postgres?.release()]);
});

// Two BullMQQueue instances on one queue name = two processes sharing one Redis / one PostgreSQL.
describeQueueConformance("BullMQQueue on Redis", () => redisHarness(redis.url), { storesData: true });
describeQueueConformance("BullMQQueue on PostgreSQL", () => postgresHarness(postgres.url), {
  storesData: true,
});
