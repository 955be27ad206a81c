import {
  createReceiver,
  type DeliveryQueue,
  defineProvider,
  MemoryQueue,
  MemoryStore,
  providers,
  type QueuedDelivery,
  type WebhookError,
  type WebhookEvent,
} from "@webhook-kit/core";
import { signDelivery } from "@webhook-kit/testing";
import { sampleDelivery } from "@webhook-kit/testing/conformance";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { attemptsToSpan } from "../../packages/core/src/worker.js";
import { postgresHarness, redisHarness } from "../support/bullmq.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { type SharedPostgres, sharedPostgres } from "../support/postgres.js";
import { PRESET_SECRET } from "../support/presets.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function request(payload: unknown) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers, rawBody: body };
}

/** Waits until `check` holds, polling; fails the test with `what` after `ms` (5 s). */
async function until(check: () => boolean | Promise<boolean>, what: string, ms = 5_000) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const workers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

function durable(
  options: {
    queue?: DeliveryQueue;
    store?: MemoryStore;
    onError?: (e: WebhookError, ev?: WebhookEvent) => void;
  } = {},
) {
  const queue = options.queue ?? new MemoryQueue();
  const receiver = createReceiver({
    provider: eulabel(),
    queue,
    store: options.store ?? new MemoryStore(),
    logger: false,
    ...(options.onError && { onError: options.onError }),
  });
  return { receiver, queue };
}

describe("createReceiver({ queue }): answered only once the queue confirmed the write", () => {
  it("answers 202 queued, and a worker runs the handler once with the typed event", async () => {
    const { receiver } = durable();
    const seen: WebhookEvent[] = [];
    receiver.on("passport.published", (event) => {
      seen.push(event);
    });
    const wire = await request(passportEvent("passport.published"));
    const res = await receiver.handle(wire);
    expect(res.status).toBe(202);
    expect(json(res.body)).toEqual({ received: true, status: "queued" });
    expect(seen).toHaveLength(0); // nothing runs inside the request
    workers.push(receiver.work({ concurrency: 2 }));
    await until(() => seen.length === 1, "the handler");
    expect(seen[0]).toMatchObject({ type: "passport.published", provider: "eulabel", attempt: 1 });
    expect(seen[0]?.id).toMatch(/^eulabel:passport\.published:/);
    // A redelivery is a duplicate: never a second job.
    expect(json((await receiver.handle(wire)).body)).toEqual({ received: true, duplicate: true });
    await sleep(30);
    expect(seen).toHaveLength(1);
  });

  it("a copy already queued is a duplicate even when the store forgot the key (queue refuses a second job)", async () => {
    const queue = new MemoryQueue();
    const enqueue = vi.spyOn(queue, "enqueue");
    const wire = await request(passportEvent("passport.published"));
    // Two receivers with their own (empty) stores: only the queue can tell it is the same delivery.
    const first = await durable({ queue }).receiver.handle(wire);
    const second = await durable({ queue }).receiver.handle(wire);
    expect(first.status).toBe(202);
    expect(second.status).toBe(200);
    expect(json(second.body)).toEqual({ received: true, duplicate: true });
    expect(await enqueue.mock.results[1]?.value).toBe("duplicate");
  });

  it("queue down → 503 + Retry-After, claim released: the sender's retry is queued once the queue is back", async () => {
    const queue = new MemoryQueue();
    const enqueue = vi.spyOn(queue, "enqueue").mockRejectedValueOnce(new Error("ECONNREFUSED"));
    const { receiver } = durable({ queue });
    const wire = await request(passportEvent("passport.published"));
    const down = await receiver.handle(wire);
    expect(down.status).toBe(503);
    expect(down.headers["retry-after"]).toBe("5");
    expect(json(down.body).error).toBe("store_unavailable");
    expect(down.body).not.toContain("ECONNREFUSED");
    const retry = await receiver.handle(wire);
    expect(retry.status).toBe(202);
    expect(enqueue).toHaveBeenCalledTimes(2);
  });

  it("a queue that never answers → 503 within queueTimeoutMs, never a hang", async () => {
    const queue = new MemoryQueue();
    vi.spyOn(queue, "enqueue").mockImplementation(() => new Promise(() => {}));
    const receiver = createReceiver({ provider: eulabel(), queue, queueTimeoutMs: 100, logger: false });
    const started = performance.now();
    const res = await receiver.handle(await request(passportEvent("passport.published")));
    expect(res.status).toBe(503);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("refuses ack with a queue, and work() without one, with a message that says why", () => {
    expect(() => createReceiver({ provider: eulabel(), queue: new MemoryQueue(), ack: "immediate" })).toThrow(
      /ack applies without a queue only/,
    );
    expect(() => createReceiver({ provider: eulabel() }).work()).toThrow(/needs a `queue`/);
    expect(() => createReceiver({ provider: eulabel(), invalidPayload: "park" })).toThrow(/needs a queue/);
  });
});

describe("receiver.work(): retries, per-handler progress, time limits, dead letters", () => {
  it("retries a failing handler with backoff; event.id is stable and event.attempt counts", async () => {
    const { receiver } = durable();
    const attempts: { id: string; attempt: number | undefined }[] = [];
    receiver.on("passport.published", (event) => {
      attempts.push({ id: event.id, attempt: event.attempt });
      if (attempts.length < 3) throw new Error("downstream is down");
    });
    await receiver.handle(await request(passportEvent("passport.published")));
    workers.push(receiver.work({ backoff: { delayMs: 10 } }));
    await until(() => attempts.length === 3, "three attempts");
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((a) => a.id)).size).toBe(1);
  });

  it("a retry re-runs only the handlers that failed", async () => {
    const { receiver } = durable();
    const runs = { mail: 0, crm: 0 };
    // Named handlers: each has an id of its own (see test/core/handler-ids.test.ts for the others).
    receiver.on("passport.published", function sendMail() {
      runs.mail += 1;
    });
    receiver.on("passport.published", function syncCrm() {
      runs.crm += 1;
      if (runs.crm === 1) throw new Error("crm timeout");
    });
    await receiver.handle(await request(passportEvent("passport.published")));
    workers.push(receiver.work({ backoff: { delayMs: 10 } }));
    await until(() => runs.crm === 2, "the crm retry");
    await sleep(30);
    expect(runs).toEqual({ mail: 1, crm: 2 });
  });

  it("a hanging handler fails its attempt at handlerTimeoutMs; the last attempt parks a dead letter and onError hears", async () => {
    const errors: WebhookError[] = [];
    const { receiver, queue } = durable({ onError: (e) => errors.push(e) });
    receiver.on("passport.published", () => new Promise(() => {}));
    await receiver.handle(await request(passportEvent("passport.published")));
    workers.push(receiver.work({ attempts: 2, handlerTimeoutMs: 50, backoff: { delayMs: 10 } }));
    await until(async () => (await queue.listDeadLetters()).length === 1, "a dead letter");
    const [letter] = await queue.listDeadLetters();
    expect(letter).toMatchObject({ type: "passport.published", attempts: 2, done: [] });
    expect(letter?.error).toMatch(/handlerTimeoutMs \(50 ms\)/);
    expect(errors.map((e) => e.code)).toEqual(["dead_letter"]);
  });

  it("a payload the schema does not expect is parked with its issues (202), and replays once the schema is fixed", async () => {
    const queue = new MemoryQueue();
    const strict = createReceiver({ provider: eulabel(), queue, logger: false });
    const handled = vi.fn();
    strict.on("passport.updated", handled);
    // EUlabel sends a passport.updated without `compliance`: the sender is genuine, our schema is out of date.
    const drifted = passportEvent("passport.updated");
    delete (drifted as { compliance?: unknown }).compliance;
    const res = await strict.handle(await request(drifted));
    expect(res.status).toBe(202);
    workers.push(strict.work());
    await until(async () => (await queue.listDeadLetters()).length === 1, "the parked delivery");
    const [letter] = await queue.listDeadLetters();
    expect(letter?.issues?.map((i) => i.path)).toContain("compliance");
    expect(handled).not.toHaveBeenCalled();
    await workers.pop()?.close();

    // The fix ships: a worker whose schema accepts it replays the dead letter.
    const fixedProvider = defineProvider({
      ...eulabel(),
      events: { ...eulabel().events, "passport.updated": z.looseObject({ id: z.string() }) },
    });
    const fixed = createReceiver({ provider: fixedProvider, queue, logger: false });
    const replayed = vi.fn();
    fixed.on("passport.updated", replayed);
    workers.push(fixed.work());
    expect(await queue.replayDeadLetter(letter?.key ?? "")).toBe(true);
    await until(() => replayed.mock.calls.length === 1, "the replayed handler");
    expect(await queue.listDeadLetters()).toEqual([]);
    expect(await queue.replayDeadLetter("eulabel:nope")).toBe(false);
  });

  it('invalidPayload: "reject" keeps the 400 with the failing paths', async () => {
    const receiver = createReceiver({
      provider: eulabel(),
      queue: new MemoryQueue(),
      invalidPayload: "reject",
      logger: false,
    });
    const drifted = passportEvent("passport.updated");
    delete (drifted as { compliance?: unknown }).compliance;
    const res = await receiver.handle(await request(drifted));
    expect(res.status).toBe(400);
    expect(json(res.body).issues).toEqual([expect.objectContaining({ path: "compliance" })]);
  });

  it("close() waits for the running job and takes no new ones", async () => {
    const { receiver } = durable();
    let release: () => void = () => {};
    const started = vi.fn();
    const finished = vi.fn();
    receiver.on("passport.published", async () => {
      started();
      await new Promise<void>((resolve) => {
        release = resolve;
      });
      finished();
    });
    await receiver.handle(await request(passportEvent("passport.published")));
    const worker = receiver.work({ concurrency: 1 });
    await until(() => started.mock.calls.length === 1, "the job to start");
    await receiver.handle(await request(passportEvent("passport.published")));
    let closed = false;
    const closing = worker.close().then(() => {
      closed = true;
    });
    await sleep(20);
    expect(closed).toBe(false);
    release();
    await closing;
    expect(finished).toHaveBeenCalledTimes(1);
    expect(started).toHaveBeenCalledTimes(1); // the second job waits for the next worker
  });

  it("a job from another provider's receiver is parked, not run with the wrong schemas, and reported", async () => {
    const queue = new MemoryQueue();
    const other: QueuedDelivery = {
      key: "acme:1",
      provider: "acme",
      type: "passport.published",
      body: "{}",
      headers: {},
      receivedAt: 0,
    };
    await queue.enqueue(other);
    const errors: WebhookError[] = [];
    const { receiver } = durable({ queue, onError: (e) => errors.push(e) });
    const handler = vi.fn();
    receiver.on("*", handler);
    workers.push(receiver.work());
    await until(async () => (await queue.listDeadLetters()).length === 1, "the foreign job parked");
    expect((await queue.listDeadLetters())[0]?.error).toMatch(/its own queue/);
    expect(handler).not.toHaveBeenCalled();
    expect(errors.map((e) => e.code)).toEqual(["dead_letter"]);
  });

  it("two endpoints on one preset sharing a queue by mistake: neither runs the other's jobs (namespace checked)", async () => {
    const queue = new MemoryQueue();
    const errors: WebhookError[] = [];
    const make = (namespace: string) =>
      createReceiver({
        provider: eulabel(),
        queue,
        namespace,
        store: new MemoryStore(),
        logger: false,
        onError: (e) => errors.push(e),
      });
    const shop = make("shop");
    const wines = make("wines");
    const ranAt: string[] = [];
    shop.on("passport.published", () => {
      ranAt.push("shop");
    });
    const res = await wines.handle(await request(passportEvent("passport.published")));
    expect(res.status).toBe(202);
    workers.push(shop.work({ concurrency: 1 }));
    await until(async () => (await queue.listDeadLetters()).length === 1, "the other endpoint's job parked");
    const [letter] = await queue.listDeadLetters();
    expect(letter?.key).toMatch(/^wines:/);
    expect(letter?.error).toMatch(/another endpoint.*its own queue/);
    expect(ranAt).toEqual([]);
    expect(errors.map((e) => e.code)).toEqual(["dead_letter"]);
  });

  it("an async handler is recorded done when it settles, not when it starts: one that fails later is retried", async () => {
    const { receiver } = durable();
    const runs: number[] = [];
    receiver.on(
      "passport.published",
      async (event) => {
        runs.push(event.attempt ?? 0);
        await sleep(5);
        if (event.attempt === 1) throw new Error("failed after its first await");
      },
      { id: "late-failure" },
    );
    receiver.on("passport.published", () => {}, { id: "quick" });
    workers.push(receiver.work({ backoff: { delayMs: 10, maxDelayMs: 10 } }));
    expect((await receiver.handle(await request(passportEvent("passport.published")))).status).toBe(202);
    await until(() => runs.length === 2, "the retry of the late failure");
    expect(runs).toEqual([1, 2]);
  });

  it("default attempts make the backoff span at least the retention window", () => {
    const attempts = attemptsToSpan(24 * 3_600_000, 1_000, 3_600_000);
    let total = 0;
    for (let a = 1; a < attempts; a++) total += Math.min(3_600_000, 1_000 * 2 ** (a - 1));
    expect(total).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(attempts).toBeLessThan(40);
  });
});

describe("MemoryQueue: bounded, never a silent drop", () => {
  it("a full queue refuses (503 to the sender), never answers queued and drops the job", async () => {
    const queue = new MemoryQueue({ maxPending: 2 });
    const { receiver } = durable({ queue });
    const seen: string[] = [];
    receiver.on("passport.published", (event) => {
      seen.push(event.id);
    });
    const wires = await Promise.all([1, 2, 3].map(() => request(passportEvent("passport.published"))));
    const statuses: number[] = [];
    for (const wire of wires) statuses.push((await receiver.handle(wire)).status);
    expect(statuses).toEqual([202, 202, 503]);
    workers.push(receiver.work());
    await until(() => seen.length === 2, "the two queued jobs");
    // The sender's retry of the refused one is queued now, and runs.
    expect((await receiver.handle(wires[2] as Awaited<ReturnType<typeof request>>)).status).toBe(202);
    await until(() => seen.length === 3, "the retried job");
    expect(new Set(seen).size).toBe(3);
  });
});

/** A PIM pushing price 10 → 12 → 10: byte-identical bodies, keyed by body hash, retention 1 s. */
describe.each(["MemoryQueue", "BullMQ on Redis", "BullMQ on PostgreSQL"] as const)(
  "eulabelInbound with retentionMs 1000 on %s: the queue's duplicate window is the receiver's",
  (kind) => {
    let redis: SharedRedis | undefined;
    let postgres: SharedPostgres | undefined;
    beforeAll(async () => {
      if (kind === "BullMQ on Redis") redis = await sharedRedis();
      if (kind === "BullMQ on PostgreSQL") postgres = await sharedPostgres();
    });
    afterAll(async () => {
      await Promise.all([redis?.release(), postgres?.release()]);
    });

    it("A-B-A: price 10, 12, (1.5 s), 10 again → all three handled; a copy within the window is a duplicate", async () => {
      const harness =
        kind === "BullMQ on Redis"
          ? redisHarness((redis as SharedRedis).url)
          : kind === "BullMQ on PostgreSQL"
            ? postgresHarness((postgres as SharedPostgres).url)
            : undefined;
      const queue: DeliveryQueue = harness?.queue ?? new MemoryQueue();
      try {
        const receiver = createReceiver({
          provider: providers.eulabelInbound({ secret: PRESET_SECRET }),
          queue,
          store: new MemoryStore(),
          retentionMs: 1_000,
          logger: false,
        });
        const prices: number[] = [];
        receiver.on("item.update", (event) => {
          prices.push((event.payload as { price?: number }).price ?? -1);
        });
        workers.push(receiver.work({ concurrency: 1 }));
        const push = async (price: number) => {
          // A PIM that stamps its pushes: the repeat of 10 is byte-identical to the first, timestamp and all
          // (the attack pass saw a guessed ordering declaration skip it as "stale").
          const timestamp = price === 10 ? "2026-03-25T10:00:00Z" : "2026-03-25T10:05:00Z";
          const body = JSON.stringify({
            event: "item.update",
            id: "item_42",
            gtin: "05601234567890",
            price,
            timestamp,
          });
          const signed = await signDelivery(providers.eulabelInbound({ secret: PRESET_SECRET }), body);
          return receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
        };
        expect((await push(10)).status).toBe(202);
        expect((await push(12)).status).toBe(202);
        await until(() => prices.length === 2, "10 and 12 handled", 20_000);
        expect(json((await push(12)).body)).toEqual({ received: true, duplicate: true });
        await sleep(1_500);
        expect((await push(10)).status).toBe(202);
        await until(() => prices.length === 3, "the second 10 handled", 20_000);
        expect(prices).toEqual([10, 12, 10]);
      } finally {
        await Promise.all(workers.splice(0).map((w) => w.close()));
        await (harness ? harness.close() : queue.close());
      }
    }, 60_000);
  },
);

/** The queue parks or skips these by itself (the worker never gets the job): the worker still tells. */
describe.each(["BullMQ on Redis", "BullMQ on PostgreSQL"] as const)(
  "receiver.work() on %s: jobs the queue cannot hand over are reported",
  (kind) => {
    let redis: SharedRedis | undefined;
    let postgres: SharedPostgres | undefined;
    beforeAll(async () => {
      if (kind === "BullMQ on Redis") redis = await sharedRedis();
      else postgres = await sharedPostgres();
    });
    afterAll(async () => {
      await Promise.all([redis?.release(), postgres?.release()]);
    });

    it("undecodable data → a dead letter onError and the log hear; a newer release's job → left, one warning", async () => {
      const harness = redis ? redisHarness(redis.url) : postgresHarness((postgres as SharedPostgres).url);
      try {
        const errors: WebhookError[] = [];
        const warnings: string[] = [];
        const logged: string[] = [];
        const logger = {
          debug() {},
          info() {},
          warn: (_obj: unknown, msg?: string) => warnings.push(msg ?? ""),
          error: (_obj: unknown, msg?: string) => logged.push(msg ?? ""),
        };
        const receiver = createReceiver({
          provider: eulabel(),
          queue: harness.queue,
          store: new MemoryStore(),
          logger,
          onError: (e) => errors.push(e),
        });
        const handler = vi.fn();
        receiver.on("passport.published", handler);
        const broken = sampleDelivery({ key: "eulabel:broken" });
        const future = sampleDelivery({ key: "eulabel:future" });
        await harness.queue.enqueue(broken);
        await harness.queue.enqueue(future);
        await harness.corrupt(broken.key);
        const data = (await harness.peek(future.key)) as Record<string, unknown>;
        await harness.overwrite(future.key, { ...data, v: 2 });
        workers.push(receiver.work({ concurrency: 2 }));
        await until(
          () => errors.some((e) => e.code === "dead_letter"),
          "the undecodable job reported",
          20_000,
        );
        await until(() => warnings.some((w) => /newer/.test(w)), "the newer job warned about", 20_000);
        expect(errors.filter((e) => e.code === "dead_letter")).toHaveLength(1);
        expect(errors[0]?.message).toMatch(/eulabel:broken.*cannot be decoded/);
        // One report for the dead letter, at error.
        expect(logged.filter((m) => /eulabel:broken was parked without a run/.test(m))).toHaveLength(1);
        // Reported as it is parked; the failed state lands a moment later.
        await until(
          async () => (await harness.queue.listDeadLetters()).length === 1,
          "the dead letter stored",
        );
        expect((await harness.queue.listDeadLetters()).map((l) => l.key)).toEqual([broken.key]);
        expect(handler).not.toHaveBeenCalled();
      } finally {
        await Promise.all(workers.splice(0).map((w) => w.close()));
        await harness.close();
      }
    }, 60_000);
  },
);
