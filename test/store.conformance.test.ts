import { MemoryStore } from "@webhook-kit/core";
import { createRedisClient, failFastRedisOptions, RedisStore } from "@webhook-kit/redis";
import { describeStoreConformance } from "@webhook-kit/testing/conformance";
import type { Redis } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, beforeAll } from "vitest";
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
describeStoreConformance("RedisStore (ioredis 5)", async () => {
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

// The peer range allows ioredis 6 too (RESP3 by default): the same suite against its clients.
describeStoreConformance("RedisStore (ioredis 6)", async () => {
  const prefix = uniquePrefix("conformance6");
  const clients = [new Redis6(redis.url, failFastRedisOptions), new Redis6(redis.url, failFastRedisOptions)];
  const [one, two] = clients as [Redis6, Redis6];
  return {
    store: new RedisStore({ client: one, prefix }),
    peer: new RedisStore({ client: two, prefix }),
    leaseMs: 200,
    advance: sleep,
    async close() {
      const keys = await one.keys(`${prefix}*`);
      if (keys.length > 0) await one.del(...keys);
      await Promise.all(clients.map((c) => c.quit()));
    },
  };
});
