import { createReceiver, type WebhookEvent } from "@webhook-kit/core";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisHarness } from "../support/bullmq.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { deleteKeys, type SharedRedis, sharedRedis, uniquePrefix } from "../support/redis.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (second: number) => new Date(Date.UTC(2026, 2, 25, 10, 0, second)).toISOString();

async function request(payload: unknown) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers, rawBody: body };
}

async function until(check: () => boolean, what: string) {
  const end = Date.now() + 30_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

let redis: SharedRedis;
beforeAll(async () => {
  redis = await sharedRedis();
});
afterAll(async () => {
  await redis?.release();
});

describe("perEntity on BullMQQueue + RedisStore: two workers, one job per entity, waits cost no attempt", () => {
  it("the second job of a busy passport waits (BullMQ delay), then runs as attempt 1; stale ones complete", async () => {
    const harness = redisHarness(redis.url);
    const prefix = uniquePrefix("ordering");
    const client = createRedisClient(redis.url);
    const stale: number[] = [];
    const make = (queue: typeof harness.queue) =>
      createReceiver({
        provider: eulabel(),
        queue,
        store: new RedisStore({ client, prefix }),
        logger: false,
        onStale: (_e, { latest }) => stale.push(latest),
      });
    const one = make(harness.queue);
    const two = make(harness.peer);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: WebhookEvent[] = [];
    let running = 0;
    let most = 0;
    const handler = async (event: WebhookEvent) => {
      runs.push(event);
      running += 1;
      most = Math.max(most, running);
      if (event.type === "passport.published") await gate;
      running -= 1;
    };
    one.on("*", handler);
    two.on("*", handler);
    const workers = [one.work({ concurrency: 4 }), two.work({ concurrency: 4 })];
    try {
      await one.handle(await request(passportEvent("passport.published", { timestamp: at(30) })));
      await until(() => runs.length === 1, "the first job");
      await two.handle(await request(passportEvent("passport.updated", { timestamp: at(40) })));
      await sleep(1_000);
      expect(runs).toHaveLength(1); // waiting on the entity, across both workers
      release();
      await until(() => runs.length === 2, "the waiting job");
      expect(runs[1]).toMatchObject({ type: "passport.updated", attempt: 1 });
      expect(most).toBe(1);
      // An older event afterwards completes as stale.
      await one.handle(await request(passportEvent("passport.enriched", { timestamp: at(20) })));
      await until(() => stale.length === 1, "the stale job");
      expect(runs).toHaveLength(2);
      expect(await harness.queue.listDeadLetters()).toEqual([]);
    } finally {
      await Promise.all(workers.map((w) => w.close()));
      await harness.close();
      await deleteKeys(client, prefix);
      await client.quit();
    }
  }, 60_000);
});
