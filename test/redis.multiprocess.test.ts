import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertExactlyOnce,
  EVENTS,
  ROOT,
  requireBuilt,
  restartTimings,
  runTwoReceivers,
} from "./support/multiprocess.js";
import { type PrivateRedis, startPrivateRedis, uniquePrefix } from "./support/redis.js";

// Two receiver processes (built dist) on one Redis, thousands of deliveries with duplicates sent to both
// at once, a sender that retries 409/503 with a small backoff: every event must run exactly once.

const FIXTURE = path.join(ROOT, "test/fixtures/redis-multiprocess/receiver.mjs");
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/redis/dist/index.js"];

describe("RedisStore across processes (built dist)", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    requireBuilt(BUILT);
    // Durable Redis (AOF, fsync always): a restart keeps every acknowledged claim and completion.
    redis = await startPrivateRedis({ durable: true });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  const env = () => ({ REDIS_URL: redis.url, PREFIX: uniquePrefix("multiprocess") });

  it("two processes, 2 400 events sent twice at once (+ late duplicates): each runs exactly once", {
    timeout: 60_000,
  }, async () => {
    const result = await runTwoReceivers({ fixture: FIXTURE, env: env() });
    assertExactlyOnce(result, "steady");
    // Both processes really raced: some copies were told in_progress or completed.
    expect(result.stats.byStatus.get(409) ?? 0).toBeGreaterThan(0);
  });

  it("the same with Redis killed (SIGKILL) and restarted on its port midway: 503 while down, nothing lost or doubled", {
    timeout: 60_000,
  }, async () => {
    const result = await runTwoReceivers({
      fixture: FIXTURE,
      env: env(),
      restart: { afterEvents: Math.floor(EVENTS * 0.4), server: redis },
    });
    assertExactlyOnce(result, "restart");
    expect(result.stats.byStatus.get(503) ?? 0).toBeGreaterThan(0);
    expect(result.stats.first200AfterRestartAt).toBeDefined();
    console.info(`[restart] ${restartTimings(result, "Redis")}`);
  });
});
