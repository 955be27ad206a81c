import { randomBytes } from "node:crypto";
import type {
  DeliveryQueue,
  JobContext,
  JobOutcome,
  QueueConsumer,
  QueuedDelivery,
  QueueJob,
  QueueReport,
} from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { describeFlowControlConformance } from "./queue-flow-suite.js";

/** One fresh, empty queue for one test. */
export interface QueueHarness {
  queue: DeliveryQueue;
  /** A second handle on the same jobs (another process's queue); defaults to `queue`. */
  peer?: DeliveryQueue;
  /**
   * Overwrites the stored data of the job with this key with something the queue cannot read, as a corrupt
   * or foreign write would. Required when the suite runs with `{ storesData: true }`.
   */
  corrupt?(key: string): Promise<void>;
  /** The job's stored data as the queue holds it now; with `overwrite`, enables the stored-data cases. */
  peek?(key: string): Promise<unknown>;
  /** Replaces the job's stored data, as another run or a newer release would write it. */
  overwrite?(key: string, data: unknown): Promise<void>;
  /** Frees what the factory made (connections, queues). */
  close?(): Promise<void>;
}

/** Short enough for a test, long enough that a re-run before it would be a visible bug. */
const RETRY_DELAY_MS = 300;
/** Room for a real backend's scheduling jitter (a delayed job is promoted by a timer or a poll). */
const SETTLE_MS = 400;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * The behaviour every `DeliveryQueue` owes the receiver and its workers. `factory` makes a fresh, empty
 * queue for each test.
 *
 * @example
 * describeQueueConformance("MyQueue", async () => ({ queue: new MyQueue(), close: () => cleanUp() }), {
 *   storesData: true,
 * });
 */
export function describeQueueConformance(
  name: string,
  factory: () => QueueHarness | Promise<QueueHarness>,
  features: {
    /** The queue stores jobs as data it decodes again (any durable queue): the undecodable case applies. */
    storesData?: boolean;
  } = {},
): void {
  describe(`DeliveryQueue conformance: ${name}`, () => {
    let current: QueueHarness | undefined;
    const consumers: QueueConsumer[] = [];
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      await current?.close?.();
      current = undefined;
    });
    const setup = async () => {
      current = await factory();
      const { queue } = current;
      const reports: QueueReport[] = [];
      const consume = (processor: Parameters<DeliveryQueue["consume"]>[0], concurrency = 1, on = queue) => {
        const consumer = on.consume(processor, { concurrency, report: (r) => reports.push(r) });
        consumers.push(consumer);
        return consumer;
      };
      return {
        queue,
        peer: current.peer ?? queue,
        corrupt: current.corrupt,
        peek: current.peek,
        overwrite: current.overwrite,
        consume,
        reports,
      };
    };

    it("enqueue is idempotent by key: the first is queued, every later one (any handle) a duplicate", async () => {
      const { queue, peer } = await setup();
      const d = delivery();
      expect(await queue.enqueue(d)).toBe("queued");
      expect(await queue.enqueue(d)).toBe("duplicate");
      expect(await peer.enqueue({ ...d, body: '{"other":true}' })).toBe("duplicate");
      expect(await queue.enqueue(delivery())).toBe("queued");
    });

    it("an enqueue whose deadline has passed writes nothing (when the queue honours deadlines)", async () => {
      const { queue } = await setup();
      const d = delivery();
      const past = { deadline: Date.now() - 1 };
      if (!queue.honoursDeadline) {
        // Not declared: the receiver bounds each enqueue itself; the option must still be accepted.
        expect(await queue.enqueue(d, past)).toBe("queued");
        return;
      }
      expect(await queue.enqueue(delivery())).toBe("queued"); // connected: a late write would now be quick
      await expect(queue.enqueue(d, past)).rejects.toThrow();
      expect(await queue.enqueue(d, { deadline: Date.now() + 5_000 })).toBe("queued");
    });

    it("20 concurrent enqueues of one key: exactly one is queued and one job runs", async () => {
      const { queue, peer, consume } = await setup();
      const d = delivery();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? queue : peer).enqueue(d)),
      );
      expect(results.filter((r) => r === "queued")).toHaveLength(1);
      expect(results.filter((r) => r === "duplicate")).toHaveLength(19);
      const runs = recorder(async () => completed());
      consume(runs.processor, 4);
      await waitFor(() => runs.all.length === 1);
      await sleep(SETTLE_MS);
      expect(runs.all).toHaveLength(1);
    });

    it("hands each job to exactly one run, across two consumers, with the delivery intact", async () => {
      const { queue, peer, consume } = await setup();
      const sent = Array.from({ length: 12 }, (_, i) => delivery({ senderAttempt: i + 1 }));
      for (const d of sent) expect(await queue.enqueue(d)).toBe("queued");
      const runs = recorder(async () => completed());
      consume(runs.processor, 3);
      consume(runs.processor, 3, peer);
      await waitFor(() => runs.all.length >= sent.length);
      await sleep(SETTLE_MS);
      expect(runs.all).toHaveLength(sent.length);
      const byKey = new Map(runs.all.map((r) => [r.delivery.key, r]));
      for (const d of sent) {
        const run = byKey.get(d.key);
        expect(run?.delivery).toEqual(d);
        expect(run?.attempt).toBe(1);
        expect(run?.done).toEqual([]);
      }
    });

    it("runs at most `concurrency` jobs at once, and that many when there is work", async () => {
      const { queue, consume } = await setup();
      for (let i = 0; i < 6; i++) await queue.enqueue(delivery());
      const gate = deferred();
      let running = 0;
      let peak = 0;
      let finished = 0;
      consume(async () => {
        running += 1;
        peak = Math.max(peak, running);
        await gate.promise;
        running -= 1;
        finished += 1;
        return completed();
      }, 3);
      await waitFor(() => running === 3);
      await sleep(SETTLE_MS);
      expect(running).toBe(3);
      gate.resolve();
      await waitFor(() => finished === 6);
      expect(peak).toBe(3);
    });

    it("a retry outcome runs the job again after its delay, with attempt + 1 and `done` kept", async () => {
      const { queue, consume } = await setup();
      const d = delivery();
      await queue.enqueue(d);
      const runs = recorder(async (_job, n) =>
        n === 1
          ? { status: "retry", delayMs: RETRY_DELAY_MS, error: "handler a failed", done: ["b"] }
          : n === 2
            ? { status: "retry", delayMs: 0, error: "again", done: ["b", "c"] }
            : completed(["a", "b", "c"]),
      );
      consume(runs.processor, 2);
      await waitFor(() => runs.all.length === 3);
      const [first, second, third] = runs.all as [Run, Run, Run];
      expect([first.attempt, second.attempt, third.attempt]).toEqual([1, 2, 3]);
      expect(first.done).toEqual([]);
      expect(second.done).toEqual(["b"]);
      expect(third.done).toEqual(["b", "c"]);
      expect(second.delivery).toEqual(d);
      // Never early (an upper bound would time the machine, not the queue).
      expect(second.startedAt - first.endedAt).toBeGreaterThanOrEqual(RETRY_DELAY_MS - 20);
      await sleep(SETTLE_MS);
      expect(runs.all).toHaveLength(3);
      expect(await queue.enqueue(d)).toBe("duplicate");
    });

    it("progress recorded during a run is what the next run sees, when the run ends without an outcome", async () => {
      const { queue, consume } = await setup();
      await queue.enqueue(delivery());
      const runs = recorder(async (_job, n, context) => {
        if (n === 1) {
          await context.recordProgress(["a"]);
          await context.recordProgress(["a", "b"]);
          throw new Error("crashed after handler b");
        }
        return completed(["a", "b", "c"]);
      });
      consume(runs.processor);
      await waitFor(() => runs.all.length === 2);
      expect(runs.all[1]?.done).toEqual(["a", "b"]);
      expect(runs.all[1]?.attempt).toBe(2);
    });

    it("a processor that throws is retried, not lost", async () => {
      const { queue, consume } = await setup();
      await queue.enqueue(delivery());
      const runs = recorder(async (_job, n) => {
        if (n === 1) throw new Error("bug in the processor");
        return completed();
      });
      consume(runs.processor);
      await waitFor(() => runs.all.length === 2, 15_000);
      expect(runs.all[1]?.attempt).toBe(2);
      expect(await queue.listDeadLetters()).toEqual([]);
    });

    it("a dead outcome parks the job: listDeadLetters shows key, type, tenant, attempts, error, issues and done", async () => {
      const { queue, peer, consume } = await setup();
      const d = { ...delivery(), tenant: "acme" };
      await queue.enqueue(d);
      const issues = [{ path: "gtin", message: "Required" }];
      const before = Date.now();
      const runs = recorder(async (_job, n) =>
        n === 1
          ? { status: "retry", delayMs: 0, error: "first", done: ["a"] }
          : {
              status: "dead",
              error: "payload does not match the schema",
              done: ["a"],
              issues,
              reason: "invalid_payload",
            },
      );
      consume(runs.processor);
      await waitFor(async () => (await peer.listDeadLetters()).length === 1);
      const [letter] = await peer.listDeadLetters();
      expect(letter).toEqual({
        key: d.key,
        provider: d.provider,
        type: d.type,
        receivedAt: d.receivedAt,
        attempts: 2,
        error: "payload does not match the schema",
        reason: "invalid_payload",
        issues,
        failedAt: expect.any(Number),
        done: ["a"],
        tenant: "acme",
      });
      expect(letter?.failedAt).toBeGreaterThanOrEqual(before - 1_000);
      await sleep(SETTLE_MS);
      expect(runs.all).toHaveLength(2);
    });

    it("lists dead letters newest first and honours the limit", async () => {
      const { queue, consume } = await setup();
      const keys: string[] = [];
      const runs = recorder(async () => ({ status: "dead", error: "no", done: [] }));
      consume(runs.processor);
      for (let i = 0; i < 3; i++) {
        const d = delivery();
        keys.push(d.key);
        await queue.enqueue(d);
        await waitFor(async () => (await queue.listDeadLetters()).length === i + 1);
        await sleep(5);
      }
      expect((await queue.listDeadLetters()).map((l) => l.key)).toEqual([...keys].reverse());
      expect((await queue.listDeadLetters({ limit: 2 })).map((l) => l.key)).toEqual(
        [...keys].reverse().slice(0, 2),
      );
    });

    it("replayDeadLetter runs the job again from attempt 1 with `done` kept; unknown or live keys → false", async () => {
      const { queue, peer, consume } = await setup();
      const d = delivery();
      await queue.enqueue(d);
      const runs = recorder(async (_job, n) =>
        n <= 2
          ? n === 1
            ? { status: "retry", delayMs: 0, error: "first", done: ["a"] }
            : { status: "dead", error: "gave up", done: ["a", "b"] }
          : completed(["a", "b", "c"]),
      );
      const consumer = consume(runs.processor);
      await waitFor(async () => (await queue.listDeadLetters()).length === 1);
      expect(await peer.replayDeadLetter(`${d.key}:nope`)).toBe(false);
      expect(await peer.replayDeadLetter(d.key)).toBe(true);
      await waitFor(() => runs.all.length === 3);
      expect(runs.all[2]?.attempt).toBe(1);
      expect(runs.all[2]?.done).toEqual(["a", "b"]);
      expect(runs.all[2]?.delivery).toEqual(d);
      await waitFor(async () => (await queue.listDeadLetters()).length === 0);
      expect(await queue.replayDeadLetter(d.key)).toBe(false);
      // A job that is waiting, not dead, is not a dead letter either.
      await consumer.close();
      const waiting = delivery();
      await queue.enqueue(waiting);
      expect(await queue.replayDeadLetter(waiting.key)).toBe(false);
      expect(await queue.removeDeadLetter(waiting.key)).toBe(false);
    });

    it("removeDeadLetter forgets a dead letter for good; unknown keys → false", async () => {
      const { queue, peer, consume } = await setup();
      const kept = delivery();
      const removed = delivery();
      await queue.enqueue(kept);
      await queue.enqueue(removed);
      const runs = recorder(async () => ({ status: "dead", error: "no", done: [] }));
      consume(runs.processor);
      await waitFor(async () => (await queue.listDeadLetters()).length === 2);
      expect(await queue.removeDeadLetter("conformance:unknown")).toBe(false);
      expect(await peer.removeDeadLetter(removed.key)).toBe(true);
      expect(await queue.removeDeadLetter(removed.key)).toBe(false);
      expect((await queue.listDeadLetters()).map((l) => l.key)).toEqual([kept.key]);
      expect(await queue.replayDeadLetter(removed.key)).toBe(false);
    });

    it("ping() (optional): resolves on a working queue and writes no job", async (ctx) => {
      const { queue } = await setup();
      if (typeof queue.ping !== "function") return ctx.skip();
      await queue.enqueue(delivery());
      const before = await queue.status?.();
      await queue.ping();
      await queue.ping({ deadline: Date.now() + 5_000 });
      const counts = (status: Awaited<ReturnType<NonNullable<DeliveryQueue["status"]>>> | undefined) =>
        status && [status.waiting, status.running, status.delayed, status.deadLetters];
      expect(counts(await queue.status?.())).toEqual(counts(before));
      expect(await queue.listDeadLetters()).toEqual([]);
    });

    it("status(): the oldest waiting job's age (ready or delayed) and the dead letters by reason", async (ctx) => {
      const { queue, consume } = await setup();
      const first = await queue.status?.();
      // Both fields are optional: a queue that cannot tell leaves them out.
      if (first?.oldestWaitingMs === undefined || first.deadLettersByReason === undefined) return ctx.skip();
      expect(first.oldestWaitingMs).toBe(0);
      expect(first.deadLettersByReason).toEqual({});

      const before = Date.now();
      await queue.enqueue(delivery());
      await sleep(150);
      const aged = await queue.status?.();
      expect(aged?.waiting).toBe(1);
      expect(aged?.oldestWaitingMs).toBeGreaterThanOrEqual(100);
      expect(aged?.oldestWaitingMs).toBeLessThanOrEqual(Date.now() - before + 1_000);

      const reasons = new Map<string, JobOutcome>([
        ["no_handler", { status: "dead", error: "no handler", done: [], reason: "no_handler" }],
        ["invalid_payload", { status: "dead", error: "bad", done: [], reason: "invalid_payload" }],
        // A processor written before `reason`: stored as attempts_exhausted.
        ["legacy", { status: "dead", error: "gave up", done: [] }],
        ["later", { status: "retry", delayMs: 60_000, error: "not yet", done: [] }],
      ]);
      const byKey = new Map<string, JobOutcome>();
      for (const outcome of reasons.values()) {
        const d = delivery();
        byKey.set(d.key, outcome);
        await queue.enqueue(d);
      }
      const enqueued = Date.now();
      const runs = recorder(async (job) => byKey.get(job.delivery.key) ?? completed());
      consume(runs.processor);
      await waitFor(async () => {
        const now = await queue.status?.();
        return now?.deadLetters === 3 && now.delayed === 1 && now.waiting === 0 && now.running === 0;
      });
      const asked = Date.now();
      const settled = await queue.status?.();
      expect(settled?.deadLettersByReason).toEqual({
        no_handler: 1,
        invalid_payload: 1,
        attempts_exhausted: 1,
      });
      // The job waiting for its retry still waits: its age counts from its enqueue, not from its retry.
      expect(settled?.oldestWaitingMs).toBeGreaterThanOrEqual(asked - enqueued);
    });

    it("enqueueing the key of a completed or a dead job again is a duplicate, never a second run", async () => {
      const { queue, consume } = await setup();
      const ok = delivery();
      const dead = delivery();
      await queue.enqueue(ok);
      await queue.enqueue(dead);
      const runs = recorder(async (job) =>
        job.delivery.key === ok.key ? completed() : { status: "dead", error: "no", done: [] },
      );
      consume(runs.processor);
      await waitFor(async () => runs.all.length === 2 && (await queue.listDeadLetters()).length === 1);
      await sleep(SETTLE_MS); // the completion is stored after the processor returns
      expect(await queue.enqueue(ok)).toBe("duplicate");
      expect(await queue.enqueue(dead)).toBe("duplicate");
      await sleep(SETTLE_MS);
      expect(runs.all).toHaveLength(2);
    });

    it("close() waits for the running job, stores its outcome, and takes no new job", async () => {
      const { queue, consume } = await setup();
      const first = delivery();
      await queue.enqueue(first);
      const gate = deferred();
      const runs = recorder(async () => {
        await gate.promise;
        return completed(["a"]);
      });
      const consumer = consume(runs.processor, 2);
      await waitFor(() => runs.started === 1);
      let closed = false;
      const closing = consumer.close().then(() => {
        closed = true;
      });
      await sleep(SETTLE_MS);
      const later = delivery();
      await queue.enqueue(later);
      await sleep(SETTLE_MS);
      expect(closed).toBe(false);
      expect(runs.started).toBe(1);
      gate.resolve();
      await closing;
      expect(runs.all).toHaveLength(1);
      // The outcome was stored before close resolved: the job is done, the later one still waits.
      expect(await queue.enqueue(first)).toBe("duplicate");
      const next = recorder(async () => completed());
      consume(next.processor);
      await waitFor(() => next.all.length === 1);
      await sleep(SETTLE_MS);
      expect(next.all.map((r) => r.delivery.key)).toEqual([later.key]);
    });

    it("the duplicate window is the delivery's retentionMs: a repeat after it is a new job (A-B-A)", async () => {
      const { queue, consume } = await setup();
      const d = delivery({ retentionMs: 1_000 });
      const runs = recorder(async () => completed());
      consume(runs.processor);
      expect(await queue.enqueue(d)).toBe("queued");
      await waitFor(() => runs.all.length === 1);
      await sleep(SETTLE_MS); // the completion is stored after the processor returns
      expect(await queue.enqueue(d)).toBe("duplicate");
      await sleep(1_000 + SETTLE_MS);
      expect(await queue.enqueue(d)).toBe("queued");
      await waitFor(() => runs.all.length === 2);
      // A long retention is honoured too (no shorter queue default cuts it).
      const kept = delivery({ retentionMs: 96 * 3_600_000 });
      expect(await queue.enqueue(kept)).toBe("queued");
      await waitFor(() => runs.all.length === 3);
      await sleep(SETTLE_MS);
      expect(await queue.enqueue(kept)).toBe("duplicate");
    });

    it("any key, type, handler id and error is storable and comes back unchanged (NUL, lone surrogates, '%', ':')", async () => {
      const { queue, peer, consume } = await setup();
      const strings = hostileStrings(24);
      const sent = strings.map((s, i) =>
        delivery({ key: `${i}:${s}`, type: s === "" ? "t" : s, retentionMs: 60_000 }),
      );
      for (const d of sent) expect(await queue.enqueue(d)).toBe("queued");
      for (const d of sent) expect(await peer.enqueue(d)).toBe("duplicate");
      const byKey = new Map<string, QueueJob>();
      const runs = recorder(async (job, _n, context) => {
        const index = Number(job.delivery.key.slice(0, job.delivery.key.indexOf(":")));
        const odd = strings[index] ?? "";
        if (job.attempt === 1) {
          await context.recordProgress([odd]);
          return { status: "retry", delayMs: 0, error: `failed on ${odd}`, done: [odd] };
        }
        byKey.set(job.delivery.key, job);
        return {
          status: "dead",
          error: `gave up on ${odd}`,
          done: [...job.done],
          issues: [{ path: odd, message: odd }],
        };
      });
      consume(runs.processor, 4);
      await waitFor(
        async () => (await queue.listDeadLetters({ limit: 1_000 })).length === sent.length,
        30_000,
      );
      for (const [i, d] of sent.entries()) {
        const job = byKey.get(d.key);
        expect(job?.delivery).toEqual(d);
        expect(job?.done).toEqual([strings[i]]);
      }
      const letters = await queue.listDeadLetters({ limit: 1_000 });
      expect(new Set(letters.map((l) => l.key))).toEqual(new Set(sent.map((d) => d.key)));
      for (const letter of letters) {
        const i = Number(letter.key.slice(0, letter.key.indexOf(":")));
        expect(letter.done).toEqual([strings[i]]);
        expect(letter.issues).toEqual([{ path: strings[i], message: strings[i] }]);
      }
      const last = sent[sent.length - 1] as QueuedDelivery;
      expect(await peer.replayDeadLetter(last.key)).toBe(true);
      expect(await peer.removeDeadLetter(sent[0]?.key ?? "")).toBe(true);
    });

    it("keys that an escaping scheme could confuse stay distinct jobs (a:b / a%3Ab, NUL / %00, a lone half / %uD800)", async () => {
      const { queue, consume } = await setup();
      const pairs = [
        ["a:b", "a%3Ab"],
        ["x\u0000", "x%00"],
        ["y\ud800", "y%uD800"],
        ["%", "%25"],
        ["12", "%312"],
      ];
      const sent = pairs.flat().map((k) => delivery({ key: `collide:${k}` }));
      for (const d of sent) expect(await queue.enqueue(d)).toBe("queued");
      const runs = recorder(async () => completed());
      consume(runs.processor, 4);
      await waitFor(() => runs.all.length === sent.length);
      expect(new Set(runs.all.map((r) => r.delivery.key))).toEqual(new Set(sent.map((d) => d.key)));
      for (const run of runs.all) expect(run.delivery).toEqual(sent.find((d) => d.key === run.delivery.key));
    });

    it("dead letters never expire: one parked earlier is still there after later ones", async () => {
      const { queue, consume } = await setup();
      const first = delivery();
      await queue.enqueue(first);
      const runs = recorder(async () => ({ status: "dead", error: "no", done: [] }));
      consume(runs.processor);
      await waitFor(async () => (await queue.listDeadLetters()).length === 1);
      await sleep(1_500); // past any age-based removal of a second or so
      await queue.enqueue(delivery());
      await waitFor(async () => runs.all.length === 2);
      await sleep(SETTLE_MS);
      expect((await queue.listDeadLetters()).map((l) => l.key)).toContain(first.key);
      expect(await queue.listDeadLetters()).toHaveLength(2);
    });

    it("progress is merged: a run never erases handlers another run recorded", async () => {
      const { queue, peek, overwrite, consume } = await setup();
      const d = delivery();
      await queue.enqueue(d);
      const gate = deferred();
      const runs = recorder(async (_job, n, context) => {
        if (n > 1) return completed();
        await context.recordProgress(["a"]);
        await gate.promise;
        await context.recordProgress(["a", "b"]);
        throw new Error("crashed after handler b");
      });
      consume(runs.processor);
      await waitFor(() => runs.started === 1);
      if (peek !== undefined && overwrite !== undefined) {
        // Another run (that took the job over after a lost lock) recorded "x" meanwhile.
        await waitFor(
          async () => ((await peek(d.key)) as { done?: string[] } | undefined)?.done?.includes("a") === true,
        );
        const data = (await peek(d.key)) as { done: string[] };
        await overwrite(d.key, { ...data, done: ["x"] });
      }
      gate.resolve();
      await waitFor(() => runs.all.length === 2, 15_000);
      const seen = new Set(runs.all[1]?.done);
      expect(seen.has("a") && seen.has("b")).toBe(true);
      if (overwrite !== undefined) expect(seen.has("x")).toBe(true);
    });

    if (features.storesData) {
      it("a job stored by a newer release is left for a newer worker: never parked, never run, reported", async () => {
        const { queue, peek, overwrite, consume, reports } = await setup();
        if (peek === undefined || overwrite === undefined)
          throw new Error(`${name}: storesData needs the harness's peek() and overwrite()`);
        const d = delivery();
        await queue.enqueue(d);
        const data = (await peek(d.key)) as Record<string, unknown>;
        await overwrite(d.key, { ...data, v: 1_000, shape: "of the future" });
        const runs = recorder(async () => completed());
        consume(runs.processor);
        await waitFor(() => reports.some((r) => r.kind === "newer_version" && r.key === d.key));
        await sleep(SETTLE_MS);
        expect(runs.all).toHaveLength(0);
        expect(await queue.listDeadLetters()).toEqual([]);
        expect(reports).toContainEqual({
          kind: "newer_version",
          key: d.key,
          version: 1_000,
          retryInMs: expect.any(Number),
        });
        expect(await queue.enqueue(d)).toBe("duplicate");
      });
    }

    if (features.storesData) {
      it("a job whose stored data cannot be decoded becomes a dead letter that says so", async () => {
        const { queue, corrupt, consume, reports } = await setup();
        if (corrupt === undefined) throw new Error(`${name}: storesData needs the harness's corrupt()`);
        const d = delivery();
        await queue.enqueue(d);
        await corrupt(d.key);
        const runs = recorder(async () => completed());
        consume(runs.processor);
        await waitFor(async () => (await queue.listDeadLetters()).length === 1);
        const [letter] = await queue.listDeadLetters();
        expect(letter?.key).toBe(d.key);
        expect(letter?.error).toMatch(/cannot be decoded/);
        expect(runs.all).toHaveLength(0);
        // Parked without a run, so the worker could not know: the queue tells it (onError, the log).
        expect(reports).toContainEqual({
          kind: "dead_letter",
          key: d.key,
          error: expect.stringMatching(/cannot be decoded/),
        });
        expect(await queue.enqueue(d)).toBe("duplicate");
        expect(await queue.removeDeadLetter(d.key)).toBe(true);
      });
    }
  });
  // Rate limit, consumer pause/resume, queue-wide pause: its own block (conformance/queue-flow-suite.ts).
  describeFlowControlConformance(name, factory, () => delivery());
}

interface Run {
  delivery: QueuedDelivery;
  attempt: number;
  done: readonly string[];
  startedAt: number;
  endedAt: number;
}

/** A processor that runs `script` and keeps every run; `started` counts runs that began. */
function recorder(script: (job: QueueJob, n: number, context: JobContext) => Promise<JobOutcome>) {
  const state = {
    all: [] as Run[],
    started: 0,
    processor: async (job: QueueJob, context: JobContext): Promise<JobOutcome> => {
      state.started += 1;
      const startedAt = Date.now();
      const n = state.started;
      const done = [...job.done];
      try {
        return await script(job, n, context);
      } finally {
        state.all.push({
          delivery: job.delivery,
          attempt: job.attempt,
          done,
          startedAt,
          endedAt: Date.now(),
        });
      }
    },
  };
  return state;
}

const completed = (done: string[] = []): JobOutcome => ({ status: "completed", done });

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

let sequence = 0;

/**
 * Strings a signed key or event type may hold and a store may choke on: U+0000, lone surrogates, '%' and
 * ':' (escape characters), a pair, and random UTF-16 code units.
 */
function hostileStrings(random: number): string[] {
  const fixed = [
    "evt_\u0000_x",
    "evt_\ud800_x",
    "\udfff",
    "\ud83d\ude00",
    "a:b",
    "a%3Ab",
    "%",
    "%00",
    "%uD800",
    "~wk%x",
    "",
  ];
  const units = ["\u0000", "\ud800", "\udc00", "%", ":", "~", "w", "k", "é", "\uffff", "\u2028", "\\", '"'];
  const drawn = Array.from({ length: random }, () =>
    Array.from({ length: 1 + Math.floor(Math.random() * 8) }, () =>
      Math.random() < 0.5
        ? (units[Math.floor(Math.random() * units.length)] as string)
        : String.fromCharCode(Math.floor(Math.random() * 0x10000)),
    ).join(""),
  );
  return [...fixed, ...drawn];
}

/**
 * A delivery with a fresh namespaced key (colons included, as the receiver makes them).
 *
 * @example
 * expect(await queue.enqueue(sampleDelivery({ senderAttempt: 2 }))).toBe("queued");
 */
export function delivery(overrides: Partial<QueuedDelivery> = {}): QueuedDelivery {
  sequence += 1;
  const hash = randomBytes(16).toString("hex");
  return {
    key: `eulabel:passport.published:${hash}`,
    provider: "eulabel",
    type: "passport.published",
    body: JSON.stringify({ event: "passport.published", id: `ps_${sequence}`, note: "ünïcödé ✓" }),
    headers: { "content-type": "application/json", "x-eulabel-signature": "t=1,v1=00" },
    receivedAt: 1_750_000_000_000 + sequence,
    ...overrides,
  };
}
