import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoneLostRerunsExplained,
  EVENTS,
  ROOT,
  requireBuilt,
  restartTimings,
  runTwoReceivers,
} from "./support/multiprocess.js";
import { type PrivateRedis, startPrivateRedis, uniquePrefix } from "./support/redis.js";

// Two receiver processes (built dist) on one Redis, thousands of deliveries with duplicates sent to both
// at once, a sender that retries 409/503 with a small backoff: every event must run exactly once, except that
// a run whose claim the receiver reported it could not settle (the server crashed midway, or did not answer in
// time, between the handler's success and `complete`) may run again: inherent without a queue, counted apart.

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

  it("two processes, 2 400 events sent twice at once (+ late duplicates): each runs exactly once (a rerun only after a complete the store did not confirm)", {
    timeout: 60_000,
  }, async () => {
    const result = await runTwoReceivers({ fixture: FIXTURE, env: env() });
    assertNoneLostRerunsExplained(result, "steady");
    // Both processes really raced: some copies were told in_progress or completed.
    expect(result.stats.byStatus.get(409) ?? 0).toBeGreaterThan(0);
  });

  it("the same with Redis killed (SIGKILL) and restarted on its port midway: 503 while down, none lost, a rerun only where the outage cut its complete", {
    timeout: 60_000,
  }, async () => {
    const result = await runTwoReceivers({
      fixture: FIXTURE,
      env: env(),
      restart: { afterEvents: Math.floor(EVENTS * 0.4), server: redis },
    });
    assertNoneLostRerunsExplained(result, "restart");
    expect(result.stats.byStatus.get(503) ?? 0).toBeGreaterThan(0);
    expect(result.stats.first200AfterRestartAt).toBeDefined();
    console.info(`[restart] ${restartTimings(result, "Redis")}`);
  });
});
