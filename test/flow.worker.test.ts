import http from "node:http";
import type { AddressInfo } from "node:net";
import {
  createReceiver,
  type DeliveryQueue,
  MemoryQueue,
  MemoryStore,
  type WebhookEvent,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { redisHarness } from "./support/bullmq.js";
import { eulabel, passportEvent, signedDelivery } from "./support/deliveries.js";
import { send } from "./support/http.js";
import { type SharedRedis, sharedRedis } from "./support/redis.js";

// receiver.work({ rateLimit }) and worker.pause() / resume(), end to end through a real HTTP server.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function receiverOn(queue: DeliveryQueue) {
  return createReceiver({ provider: eulabel(), queue, store: new MemoryStore(), logger: false });
}

async function serve(receiver: ReturnType<typeof receiverOn>): Promise<string> {
  const server = http.createServer(createNodeHandler(receiver));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function deliver(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const { body, headers } = await signedDelivery(passportEvent("passport.published", { id: `ps_${i}` }));
    const res = await send(url, { body, headers });
    expect(res.status).toBe(202);
    expect(res.json).toEqual({ received: true, status: "queued" });
  }
}

describe("receiver.work({ rateLimit }): options checked at start, with the fix in the message", () => {
  const work =
    (rateLimit: unknown, queue: DeliveryQueue = new MemoryQueue()) =>
    () =>
      receiverOn(queue).work({ rateLimit: rateLimit as { max: number; durationMs: number } });

  it.each([
    [{ max: 0, durationMs: 1000 }, /rateLimit\.max must be a positive integer/],
    [{ max: 2.5, durationMs: 1000 }, /rateLimit\.max must be a positive integer/],
    [{ max: 5 }, /rateLimit\.durationMs is required/],
    [{ max: 5, durationMs: -1 }, /rateLimit\.durationMs must be a positive number/],
    [5, /rateLimit must be \{ max, durationMs \}/],
  ])("%j is refused", (limit, message) => {
    expect(work(limit)).toThrow(
      expect.objectContaining({ code: "invalid_config", message: expect.stringMatching(message) }),
    );
  });

  it("a queue that does not enforce a rate limit refuses one instead of ignoring it", () => {
    const inner = new MemoryQueue();
    // A custom queue: MemoryQueue's calls, without its supportsRateLimit declaration.
    const custom: DeliveryQueue = {
      enqueue: (d) => inner.enqueue(d),
      consume: (p, o) => {
        const c = inner.consume(p, o);
        return { close: () => c.close() };
      },
      listDeadLetters: (o) => inner.listDeadLetters(o),
      replayDeadLetter: (k) => inner.replayDeadLetter(k),
      removeDeadLetter: (k) => inner.removeDeadLetter(k),
      close: () => inner.close(),
    };
    expect(work({ max: 5, durationMs: 1000 }, custom)).toThrow(/does not declare supportsRateLimit/);
    // Pause on a consumer that cannot: refused with the fix, never a silent no-op.
    const worker = receiverOn(custom).work();
    cleanups.push(() => worker.close());
    return expect(worker.pause()).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringMatching(/implement QueueConsumer\.pause\(\)/),
    });
  });
});

let redis: SharedRedis | undefined;
afterAll(async () => {
  await redis?.release();
});

describe.each([
  {
    label: "MemoryQueue",
    make: async () => ({ queue: new MemoryQueue() as DeliveryQueue, close: async () => {} }),
  },
  {
    label: "BullMQQueue on Redis",
    make: async () => {
      redis ??= await sharedRedis();
      const h = redisHarness(redis.url);
      return { queue: h.queue as DeliveryQueue, close: () => h.close() };
    },
  },
])("worker flow control over HTTP on $label", ({ make }) => {
  it("worker.pause(): the receiver keeps answering 202 and queueing; nothing runs until resume(), then all do", async () => {
    const { queue, close } = await make();
    cleanups.push(close);
    const receiver = receiverOn(queue);
    const seen: WebhookEvent[] = [];
    receiver.on("passport.published", (event) => {
      seen.push(event);
    });
    const worker = receiver.work({ concurrency: 4 });
    cleanups.push(() => worker.close());
    const url = await serve(receiver);

    await deliver(url, 1);
    await until(() => seen.length === 1, "the first handler run");
    await worker.pause();
    await deliver(url, 5);
    await sleep(800);
    expect(seen).toHaveLength(1);
    await worker.resume();
    await until(() => seen.length === 6, "every queued delivery after resume");
    expect(seen.every((e) => e.attempt === 1)).toBe(true);
  }, 60_000);

  it("work({ rateLimit }): 16 deliveries at 4 per 500 ms take 4 windows, all run once", async () => {
    const { queue, close } = await make();
    cleanups.push(close);
    const receiver = receiverOn(queue);
    const startedAt: number[] = [];
    receiver.on("passport.published", () => {
      startedAt.push(Date.now());
    });
    const url = await serve(receiver);
    await deliver(url, 16);
    const worker = receiver.work({ concurrency: 16, rateLimit: { max: 4, durationMs: 500 } });
    cleanups.push(() => worker.close());
    await until(() => startedAt.length === 16, "every delivery");
    // Four windows: the last run starts ≥ 1.5 s after the first (asserted with 1 s of room).
    expect(Math.max(...startedAt) - Math.min(...startedAt)).toBeGreaterThanOrEqual(500);
    await sleep(200);
    expect(startedAt).toHaveLength(16);
  }, 60_000);
});

describe("BullMQQueue consumer pause while its server is unreachable", () => {
  it("pause(), resume() and close() settle instead of waiting for the server", async () => {
    const { BullMQQueue } = await import("@webhook-kit/bullmq");
    const queue = new BullMQQueue({
      connection: "redis://127.0.0.1:1",
      name: "flow-unreachable",
      onError: () => {},
    });
    const consumer = queue.consume(async (job) => ({ status: "completed", done: job.done }), {
      concurrency: 1,
    });
    await sleep(300); // the consumer is retrying its connection
    await consumer.pause?.();
    await consumer.resume?.();
    await consumer.close();
    await queue.close();
  }, 30_000);
});
