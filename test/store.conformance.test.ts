import { MemoryStore } from "@webhook-kit/core";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { describeStoreConformance } from "./conformance/store-suite.js";
import { deleteKeys, type SharedRedis, sharedRedis, uniquePrefix } from "./support/redis.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describeStoreConformance("MemoryStore", () => {
  let now = 1_750_000_000_000;
  return {
    store: new MemoryStore({ now: () => now }),
    leaseMs: 1_000,
    advance: async (ms) => {
      now += ms;
    },
  };
});

let redis: SharedRedis;
beforeAll(async () => {
  redis = await sharedRedis();
});
afterAll(async () => {
  await redis?.release();
});

// Two clients = two processes sharing one Redis; real time, short leases.
describeStoreConformance("RedisStore", async () => {
  const prefix = uniquePrefix("conformance");
  const clients: Redis[] = [createRedisClient(redis.url), createRedisClient(redis.url)];
  const [one, two] = clients as [Redis, Redis];
  return {
    store: new RedisStore({ client: one, prefix }),
    peer: new RedisStore({ client: two, prefix }),
    leaseMs: 200,
    advance: sleep,
    async close() {
      await deleteKeys(one, prefix);
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
});
