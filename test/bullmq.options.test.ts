import { BullMQQueue, type BullMQQueueOptions } from "@webhook-kit/bullmq";
import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { redisHarness } from "./support/bullmq.js";
import { type SharedRedis, sharedRedis } from "./support/redis.js";

// `new BullMQQueue({...})` refuses, at construction, every option it could not honour: a bad value used to
// surface later as a job stuck "running" forever (lockDurationMs: 0) or a misleading connection error.

const REDIS = "redis://127.0.0.1:6379";
const quiet = { onError: () => {} };

function refusal(options: unknown): Error {
  let queue: BullMQQueue | undefined;
  try {
    queue = new BullMQQueue(options as BullMQQueueOptions);
  } catch (error) {
    return error as Error;
  } finally {
    void queue?.close();
  }
  throw new Error(`new BullMQQueue(${JSON.stringify(options)}) was accepted`);
}

describe("BullMQQueue options", () => {
  it.each([
    [
      "lockDurationMs 0",
      { lockDurationMs: 0 },
      /lockDurationMs must be an integer from 1000 to \d+ \(ms\); got 0/,
    ],
    ["lockDurationMs NaN", { lockDurationMs: Number.NaN }, /lockDurationMs must be .*; got NaN/],
    ["lockDurationMs 999", { lockDurationMs: 999 }, /lockDurationMs must be an integer from 1000/],
    ["lockDurationMs 1.5e3", { lockDurationMs: 1500.5 }, /lockDurationMs must be an integer/],
    ["stalledIntervalMs -1", { stalledIntervalMs: -1 }, /stalledIntervalMs must be an integer from 100 to/],
    [
      "completedRetentionMs -1",
      { completedRetentionMs: -1 },
      /completedRetentionMs must be an integer from 1 to 31622400000/,
    ],
    [
      "completedRetentionMs 367 d",
      { completedRetentionMs: 367 * 86_400_000 },
      /completedRetentionMs must be/,
    ],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs must be an integer from 1 to/],
    ["timeoutMs string", { timeoutMs: "2000" }, /timeoutMs must be .*; got a string/],
    ["prefix {x", { prefix: "{x" }, /prefix "\{x" has an unbalanced hash tag/],
    ["prefix x}", { prefix: "x}" }, /prefix "x\}" has an unbalanced hash tag/],
    ["prefix empty", { prefix: "" }, /prefix must be a non-empty string/],
    ["onError string", { onError: "log" }, /onError must be a function/],
    [
      "lockDuration",
      { lockDuration: 30_000 },
      /unknown option "lockDuration"; did you mean "lockDurationMs"\?/,
    ],
    ["concurency", { concurency: 8 }, /unknown option "concurency"/],
  ])("refuses %s, naming the option and the fix", (_label, bad, pattern) => {
    const error = refusal({ connection: REDIS, name: "opts", ...quiet, ...bad });
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/^BullMQQueue: /);
    expect(error.message).toMatch(pattern);
  });

  it("refuses neither or both of connection and postgres", () => {
    expect(refusal({ name: "opts" }).message).toMatch(
      /pass exactly one of `connection` \(Redis\) or `postgres`/,
    );
    const both = refusal({ name: "opts", connection: REDIS, postgres: "postgres://127.0.0.1/test" });
    expect(both).toBeInstanceOf(TypeError);
    expect(both.message).toMatch(/not both/);
  });

  it("refuses options that belong to the other backend", () => {
    expect(refusal({ name: "opts", connection: REDIS, migrate: false }).message).toMatch(
      /migrate applies to `postgres` only/,
    );
    expect(refusal({ name: "opts", postgres: "postgres://127.0.0.1/test", prefix: "x" }).message).toMatch(
      /prefix applies to `connection` \(Redis\) only/,
    );
    expect(refusal({ name: "opts", postgres: "postgres://127.0.0.1/test", migrate: "no" }).message).toMatch(
      /migrate must be true or false; got a string/,
    );
  });

  it("refuses a connection string of the wrong kind without echoing it (it may hold a password)", () => {
    const redis = refusal({ name: "opts", connection: "http://user:hunter2@cache.internal:6379" });
    expect(redis).toBeInstanceOf(TypeError);
    expect(redis.message).toMatch(
      /connection must be a redis:\/\/ or rediss:\/\/ URL.*got a string that is not/,
    );
    expect(redis.message).not.toContain("hunter2");
    expect(redis.message).not.toContain("cache.internal");
    const pg = refusal({ name: "opts", postgres: "notaurl-hunter2" });
    expect(pg).toBeInstanceOf(TypeError);
    expect(pg.message).toMatch(/postgres must be a postgres:\/\/ or postgresql:\/\/ connection string/);
    expect(pg.message).not.toContain("hunter2");
    expect(refusal({ name: "opts", connection: 6379 }).message).toMatch(
      /connection must be .*; got a number/,
    );
  });

  it("accepts the documented forms", async () => {
    const queues = [
      new BullMQQueue({ name: "opts", connection: "rediss://h:6380", ...quiet }),
      new BullMQQueue({
        name: "opts",
        connection: { host: "127.0.0.1", port: 6379 },
        prefix: "{app}",
        ...quiet,
      }),
      new BullMQQueue({ name: "opts", postgres: "postgresql://127.0.0.1/test", migrate: false, ...quiet }),
      new BullMQQueue({
        name: "opts",
        postgres: { connectionString: "postgres://127.0.0.1/test" },
        ...quiet,
      }),
      new BullMQQueue({ name: "opts", connection: REDIS, maxStalledCount: 1, ...quiet }),
    ];
    await Promise.all(queues.map((queue) => queue.close()));
  });
});

describe("BullMQQueue at its smallest accepted lock, on real Redis", () => {
  let redis: SharedRedis;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis?.release();
  });

  it("runs a job with lockDurationMs 1000 and stalledIntervalMs 100", async () => {
    const errors: Error[] = [];
    const h = redisHarness(redis.url, {
      lockDurationMs: 1_000,
      stalledIntervalMs: 100,
      onError: (error) => errors.push(error),
    });
    try {
      let ran = 0;
      let finished: () => void = () => {};
      const done = new Promise<void>((resolve) => {
        finished = resolve;
      });
      const consumer = h.queue.consume(
        async (job) => {
          ran += 1;
          finished();
          return { status: "completed", done: job.done };
        },
        { concurrency: 1 },
      );
      expect(await h.queue.enqueue(delivery())).toBe("queued");
      await done;
      await consumer.close();
      // A positive control: the smallest lock accepted runs a job (no strict count: a stall on a loaded
      // machine may legitimately lose a 1 s lock and run it again).
      expect(ran).toBeGreaterThanOrEqual(1);
      expect(errors.map((error) => error.message)).not.toContainEqual(
        expect.stringMatching(/invalid expire time/),
      );
    } finally {
      await h.close();
    }
  }, 60_000);
});
