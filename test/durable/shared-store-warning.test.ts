import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, MemoryQueue, MemoryStore } from "@webhook-kit/core";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueQueueName } from "../support/bullmq.js";
import { eulabel } from "../support/deliveries.js";
import { type SharedRedis, sharedRedis, uniquePrefix } from "../support/redis.js";

// An attack pass: a web process and worker processes each on their own MemoryStore, over a shared queue,
// apply an old passport version over a newer one. work() says so once, with the fix.

let redis: SharedRedis;
const closers: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  redis = await sharedRedis();
});
afterAll(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => {});
  await redis.release();
});

function capture() {
  const warns: string[] = [];
  const logger = {
    debug() {},
    info() {},
    warn: (_o: object, msg?: string) => warns.push(msg ?? ""),
    error() {},
  };
  return { warns, logger, shared: () => warns.filter((w) => /store is a MemoryStore/.test(w)) };
}

function bullmq() {
  const queue = new BullMQQueue({
    connection: redis.url,
    name: uniqueQueueName("shared-store"),
    onError: () => {},
  });
  closers.push(() => queue.close());
  return queue;
}

async function work(receiver: { work(options: { concurrency: number }): { close(): Promise<void> } }) {
  const worker = receiver.work({ concurrency: 1 });
  closers.push(() => worker.close());
  return worker;
}

describe("work() on a shared queue with a process-local store", () => {
  it("warns once, naming the fix, when ordering runs over a MemoryStore and a queue other processes read", async () => {
    const log = capture();
    const receiver = createReceiver({ provider: eulabel(), queue: bullmq(), logger: log.logger });
    await work(receiver);
    await work(receiver);
    expect(log.shared()).toHaveLength(1);
    expect(log.shared()[0]).toMatch(/RedisStore/);
    expect(log.shared()[0]).toMatch(/PostgresStore/);
  });

  it("says nothing with an in-process MemoryQueue (one process reads it)", async () => {
    const log = capture();
    const receiver = createReceiver({ provider: eulabel(), queue: new MemoryQueue(), logger: log.logger });
    await work(receiver);
    expect(log.shared()).toEqual([]);
  });

  it("says nothing with a shared store, or with ordering off", async () => {
    const client = createRedisClient(redis.url);
    closers.push(() => client.quit());
    const withStore = capture();
    const store = new RedisStore({ client, prefix: uniquePrefix("shared-store") });
    await work(createReceiver({ provider: eulabel(), queue: bullmq(), store, logger: withStore.logger }));
    expect(withStore.shared()).toEqual([]);
    const unordered = capture();
    await work(
      createReceiver({
        provider: eulabel(),
        queue: bullmq(),
        store: new MemoryStore(),
        ordering: false,
        logger: unordered.logger,
      }),
    );
    expect(unordered.shared()).toEqual([]);
  });
});
