import type {
  DeliveryQueue,
  JobOutcome,
  JobProcessor,
  QueueConsumer,
  QueuedDelivery,
} from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";

/** What the suite needs of `QueueHarness` (conformance/queue-suite.ts), which runs it. */
interface FlowHarness {
  queue: DeliveryQueue;
  peer?: DeliveryQueue;
  close?(): Promise<void>;
}

/** Long enough that a job wrongly started while paused shows up on any backend (a poll, a timer). */
const QUIET_MS = 800;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** A processor that records each start and holds every job until `release()`. */
function gate() {
  const started: { key: string; attempt: number; at: number }[] = [];
  let open: () => void = () => {};
  let opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  const processor: JobProcessor = async (job): Promise<JobOutcome> => {
    started.push({ key: job.delivery.key, attempt: job.attempt, at: Date.now() });
    await opened;
    return { status: "completed", done: [] };
  };
  return {
    started,
    processor,
    release: () => open(),
    /** From now on jobs complete as soon as they start. */
    stayOpen() {
      open();
      opened = Promise.resolve();
    },
  };
}

/**
 * Flow control, for a queue that offers it: a rate limit shared by every consumer, a consumer's
 * `pause()` / `resume()`, and the queue-wide `pause()` / `resume()` / `status()`. A queue without one of
 * these skips its scenario. Run by `describeQueueConformance`.
 */
export function describeFlowControlConformance(
  name: string,
  factory: () => FlowHarness | Promise<FlowHarness>,
  delivery: () => QueuedDelivery,
): void {
  describe(`DeliveryQueue flow control: ${name}`, () => {
    let current: FlowHarness | undefined;
    const consumers: QueueConsumer[] = [];
    afterEach(async () => {
      await Promise.all(consumers.splice(0).map((c) => c.close()));
      // A test that failed half-way must not leave a paused queue to the next one on a shared server.
      await current?.queue.resume?.().catch(() => {});
      await current?.close?.();
      current = undefined;
    });
    const setup = async () => {
      current = await factory();
      const { queue } = current;
      const consume = (
        processor: JobProcessor,
        options: Parameters<DeliveryQueue["consume"]>[1],
        on: DeliveryQueue = queue,
      ) => {
        const consumer = on.consume(processor, options);
        consumers.push(consumer);
        return consumer;
      };
      return { queue, peer: current.peer ?? queue, consume };
    };

    it("rateLimit: at most max jobs start per window across every consumer; none fails or is lost", async (ctx) => {
      const { queue, peer, consume } = await setup();
      if (queue.supportsRateLimit !== true) return ctx.skip();
      const g = gate();
      g.stayOpen();
      const keys = Array.from({ length: 25 }, () => delivery());
      for (const d of keys) expect(await queue.enqueue(d)).toBe("queued");
      const rateLimit = { max: 5, durationMs: 500 };
      // Two consumers (two processes' worth), each allowed far more at once than the limit.
      consume(g.processor, { concurrency: 8, rateLimit });
      consume(g.processor, { concurrency: 8, rateLimit }, peer);
      await waitFor(() => g.started.length === keys.length);
      // 25 jobs at 5 per 500 ms need 5 windows: the last starts ≥ 2 s after the first. Asserted with 1 s of
      // room for a late-recorded first start; a loaded machine only makes it slower.
      const first = Math.min(...g.started.map((s) => s.at));
      const last = Math.max(...g.started.map((s) => s.at));
      expect(last - first).toBeGreaterThanOrEqual(1_000);
      // Held back, never run and failed: each job ran once, as its first attempt.
      expect(g.started.every((s) => s.attempt === 1)).toBe(true);
      expect(new Set(g.started.map((s) => s.key)).size).toBe(keys.length);
      await sleep(200);
      expect(g.started).toHaveLength(keys.length);
    }, 60_000);

    it("consumer pause(): resolves once its running jobs settled, starts nothing until resume(), then runs all", async (ctx) => {
      const { queue, consume } = await setup();
      const g = gate();
      const consumer = consume(g.processor, { concurrency: 2 });
      if (consumer.pause === undefined || consumer.resume === undefined) return ctx.skip();
      const running = [delivery(), delivery()];
      for (const d of running) await queue.enqueue(d);
      await waitFor(() => g.started.length === 2);

      let paused = false;
      const pausing = consumer.pause().then(() => {
        paused = true;
      });
      const later = [delivery(), delivery(), delivery()];
      // Receivers keep accepting while the worker is paused.
      for (const d of later) expect(await queue.enqueue(d)).toBe("queued");
      await sleep(QUIET_MS / 2);
      expect(paused).toBe(false); // the two running jobs still hold it
      g.stayOpen();
      await pausing;
      await sleep(QUIET_MS);
      expect(g.started).toHaveLength(2);

      await consumer.resume();
      await waitFor(() => g.started.length === 5);
      expect(
        g.started
          .slice(2)
          .map((s) => s.key)
          .sort(),
      ).toEqual(later.map((d) => d.key).sort());
    }, 60_000);

    it("consumer pause() right after consume(): nothing starts until resume()", async (ctx) => {
      const { queue, consume } = await setup();
      const g = gate();
      g.stayOpen();
      const consumer = consume(g.processor, { concurrency: 2 });
      if (consumer.pause === undefined || consumer.resume === undefined) return ctx.skip();
      await consumer.pause();
      const ds = [delivery(), delivery()];
      for (const d of ds) expect(await queue.enqueue(d)).toBe("queued");
      await sleep(QUIET_MS);
      expect(g.started).toHaveLength(0);
      await consumer.resume();
      await waitFor(() => g.started.length === 2);
    }, 60_000);

    it("queue pause(): no consumer anywhere starts a job, enqueue still accepts, status tells; resume() runs them all", async (ctx) => {
      const { queue, peer, consume } = await setup();
      if (!queue.pause || !queue.resume || !queue.status || !peer.status) return ctx.skip();
      const g = gate();
      consume(g.processor, { concurrency: 4 });
      consume(g.processor, { concurrency: 4 }, peer);
      const first = delivery();
      await queue.enqueue(first);
      await waitFor(() => g.started.length === 1);

      await queue.pause();
      const held = [delivery(), delivery(), delivery()];
      for (const d of held) expect(await peer.enqueue(d)).toBe("queued");
      // The job running when the pause came finishes.
      g.stayOpen();
      await sleep(QUIET_MS);
      expect(g.started).toHaveLength(1);
      await waitFor(async () => (await peer.status?.())?.running === 0);
      const paused = await peer.status();
      expect(paused).toMatchObject({ paused: true, waiting: 3, running: 0, deadLetters: 0 });

      await peer.resume?.();
      await waitFor(() => g.started.length === 4);
      expect(
        g.started
          .slice(1)
          .map((s) => s.key)
          .sort(),
      ).toEqual(held.map((d) => d.key).sort());
      await waitFor(async () => {
        const now = await queue.status?.();
        return now?.waiting === 0 && now.running === 0;
      });
      expect(await queue.status()).toMatchObject({ paused: false, delayed: 0, deadLetters: 0 });
    }, 60_000);
  });
}
