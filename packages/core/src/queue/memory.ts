import { LRUCache } from "lru-cache";
import { checkDuration, MAX_RETENTION_MS } from "../providers/timing.js";
import { entryCount } from "../store/memory.js";
import type {
  ConsumeOptions,
  DeadLetter,
  DeadLetterReason,
  DeliveryQueue,
  JobOutcome,
  JobProcessor,
  QueueConsumer,
  QueuedDelivery,
  QueueStatus,
  RateLimit,
} from "./types.js";

/** Each count is an integer from 1 to 5 000 000 and `retentionMs` at most 366 days; else `invalid_config`. */
export interface MemoryQueueOptions {
  /** Jobs waiting, delayed or running at once; past it `enqueue` rejects (the receiver answers 503). Default 10 000. */
  maxPending?: number;
  /** Completed keys remembered to refuse late duplicates. Default 100 000. */
  maxCompleted?: number;
  /**
   * How long a completed key is remembered when the delivery does not say (a receiver passes its provider's
   * retention with each job, and that wins). Default 24 h.
   */
  retentionMs?: number;
  /** Dead letters kept; past it the oldest is dropped with a warning. Default 10 000. */
  maxDeadLetters?: number;
}

/** A dead letter with what a replay needs. */
type ParkedLetter = DeadLetter & { delivery: QueuedDelivery; enqueuedAt: number };

interface Job {
  delivery: QueuedDelivery;
  attempt: number;
  done: readonly string[];
  state: "waiting" | "delayed" | "active";
  /** ms since epoch of its first enqueue, kept across retries and replays (as BullMQ keeps a job's timestamp). */
  enqueuedAt: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * The in-process queue: the embedded default for development and tests. Not durable — jobs live in this
 * process's memory and are lost with it; use `BullMQQueue` (@webhook-kit/bullmq) in production.
 *
 * @example
 * const receiver = createReceiver({ provider, queue: new MemoryQueue() });
 * receiver.on("passport.published", handler);
 * const worker = receiver.work({ concurrency: 4 });
 */
export class MemoryQueue implements DeliveryQueue {
  /** In process: only this process's workers ever read these jobs. */
  readonly local = true;
  readonly #pending = new Map<string, Job>();
  readonly #waiting: Job[] = [];
  readonly #completed: LRUCache<string, true>;
  readonly #dead = new Map<string, ParkedLetter>();
  readonly #consumers = new Set<Consumer>();
  readonly #maxPending: number;
  readonly #maxDead: number;
  readonly supportsRateLimit = true;
  #paused = false;
  // One rate-limit window for the whole queue, as BullMQ keeps one counter per queue for all its workers.
  #windowEnd = 0;
  #windowCount = 0;
  #windowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: MemoryQueueOptions = {}) {
    this.#maxPending = entryCount("MemoryQueue", "maxPending", options.maxPending, 10_000);
    this.#maxDead = entryCount("MemoryQueue", "maxDeadLetters", options.maxDeadLetters, 10_000);
    const max = entryCount("MemoryQueue", "maxCompleted", options.maxCompleted, 100_000);
    const ttl =
      options.retentionMs === undefined
        ? 86_400_000
        : // lru-cache takes whole ms only: a fractional retention is rounded up, never refused by lru-cache.
          Math.ceil(checkDuration("MemoryQueue", "retentionMs", options.retentionMs, MAX_RETENTION_MS));
    this.#completed = new LRUCache({ max, ttl });
  }

  async enqueue(delivery: QueuedDelivery): Promise<"queued" | "duplicate"> {
    const { key } = delivery;
    if (this.#pending.has(key) || this.#completed.has(key) || this.#dead.has(key)) return "duplicate";
    if (this.#pending.size >= this.#maxPending) {
      throw new Error(
        `MemoryQueue is full (${this.#maxPending} jobs pending): are workers running (receiver.work())?`,
      );
    }
    this.#add({ delivery, attempt: 1, done: [], state: "waiting", enqueuedAt: Date.now() });
    return "queued";
  }

  consume(processor: JobProcessor, options: ConsumeOptions): QueueConsumer {
    const consumer = new Consumer(this, processor, Math.max(1, options.concurrency), options.rateLimit);
    this.#consumers.add(consumer);
    consumer.pump();
    return {
      close: async () => {
        this.#consumers.delete(consumer);
        await consumer.close();
      },
      pause: () => consumer.pause(),
      resume: async () => consumer.resume(),
    };
  }

  async pause(): Promise<void> {
    this.#paused = true;
  }

  async resume(): Promise<void> {
    this.#paused = false;
    this.#wake();
  }

  async status(): Promise<QueueStatus> {
    // Exact, by walking what is held: both maps are bounded (maxPending, maxDeadLetters).
    const now = Date.now();
    const counts = { waiting: 0, running: 0, delayed: 0 };
    let oldest = now;
    for (const job of this.#pending.values()) {
      if (job.state === "active") counts.running += 1;
      else {
        if (job.state === "delayed") counts.delayed += 1;
        else counts.waiting += 1;
        oldest = Math.min(oldest, job.enqueuedAt);
      }
    }
    const byReason: Partial<Record<DeadLetterReason, number>> = {};
    for (const { reason = "attempts_exhausted" } of this.#dead.values())
      byReason[reason] = (byReason[reason] ?? 0) + 1;
    return {
      paused: this.#paused,
      ...counts,
      deadLetters: this.#dead.size,
      oldestWaitingMs: now - oldest,
      deadLettersByReason: byReason,
    };
  }

  /** Always answers: the queue lives in this process. */
  async ping(): Promise<void> {}

  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    return [...this.#dead.values()]
      .reverse()
      .slice(0, options.limit ?? Number.POSITIVE_INFINITY)
      .map(({ delivery: _, enqueuedAt: _e, ...letter }) => letter);
  }

  async replayDeadLetter(key: string): Promise<boolean> {
    const letter = this.#dead.get(key);
    if (!letter) return false;
    this.#dead.delete(key);
    const { delivery, done, enqueuedAt } = letter;
    this.#add({ delivery, attempt: 1, done, state: "waiting", enqueuedAt });
    return true;
  }

  async removeDeadLetter(key: string): Promise<boolean> {
    return this.#dead.delete(key);
  }

  async close(): Promise<void> {
    await Promise.all([...this.#consumers].map((c) => c.close()));
    for (const job of this.#pending.values()) clearTimeout(job.timer);
    clearTimeout(this.#windowTimer);
  }

  /** @internal the next waiting job, marked active; none while paused or past the rate limit. */
  take(limit: RateLimit | undefined): Job | undefined {
    if (this.#paused || this.#waiting.length === 0) return undefined;
    if (limit !== undefined && !this.#admit(limit)) return undefined;
    const job = this.#waiting.shift() as Job;
    job.state = "active";
    return job;
  }

  /** Counts one start in the current window, or, when the window is full, wakes the consumers at its end. */
  #admit(limit: RateLimit): boolean {
    const now = Date.now();
    if (now >= this.#windowEnd) {
      this.#windowEnd = now + limit.durationMs;
      this.#windowCount = 0;
    }
    if (this.#windowCount < limit.max) {
      this.#windowCount += 1;
      return true;
    }
    if (this.#windowTimer === undefined) {
      this.#windowTimer = setTimeout(() => {
        this.#windowTimer = undefined;
        this.#wake();
      }, this.#windowEnd - now);
      this.#windowTimer.unref?.();
    }
    return false;
  }

  /** @internal stores what the processor decided. */
  settle(job: Job, outcome: JobOutcome): void {
    const key = job.delivery.key;
    if (outcome.status === "completed") {
      this.#pending.delete(key);
      // The receiver's own retention when it passed one: the duplicate window is exactly the receiver's.
      const ttl = job.delivery.retentionMs;
      if (ttl !== undefined && Number.isFinite(ttl) && ttl >= 0)
        this.#completed.set(key, true, { ttl: Math.max(1, Math.ceil(ttl)) });
      else this.#completed.set(key, true);
      return;
    }
    if (outcome.status === "dead") {
      this.#pending.delete(key);
      if (this.#dead.size >= this.#maxDead) {
        const oldest = this.#dead.keys().next().value as string;
        this.#dead.delete(oldest);
        console.error(
          `[webhook-kit] warn: MemoryQueue dropped the oldest dead letter ${oldest} (maxDeadLetters)`,
        );
      }
      const letter: ParkedLetter = {
        key,
        provider: job.delivery.provider,
        type: job.delivery.type,
        receivedAt: job.delivery.receivedAt,
        attempts: job.attempt,
        error: outcome.error,
        reason: outcome.reason ?? "attempts_exhausted",
        failedAt: Date.now(),
        done: outcome.done,
        delivery: job.delivery,
        enqueuedAt: job.enqueuedAt,
      };
      if (outcome.issues) letter.issues = outcome.issues;
      if (job.delivery.tenant !== undefined) letter.tenant = job.delivery.tenant;
      this.#dead.set(key, letter);
      return;
    }
    if (outcome.status === "retry") job.attempt += 1;
    job.done = outcome.done;
    job.state = "delayed";
    job.timer = setTimeout(() => {
      job.state = "waiting";
      this.#waiting.push(job);
      this.#wake();
    }, outcome.delayMs);
    job.timer.unref?.();
  }

  /** @internal */
  progress(job: Job, done: readonly string[]): void {
    job.done = done;
  }

  #add(job: Job): void {
    this.#pending.set(job.delivery.key, job);
    this.#waiting.push(job);
    this.#wake();
  }

  #wake(): void {
    for (const consumer of this.#consumers) consumer.pump();
  }
}

class Consumer {
  readonly #running = new Set<Promise<void>>();
  #closed = false;
  #paused = false;

  constructor(
    readonly queue: MemoryQueue,
    readonly processor: JobProcessor,
    readonly concurrency: number,
    readonly rateLimit: RateLimit | undefined,
  ) {}

  pump(): void {
    while (!this.#closed && !this.#paused && this.#running.size < this.concurrency) {
      const job = this.queue.take(this.rateLimit);
      if (!job) return;
      const run = this.#run(job).finally(() => {
        this.#running.delete(run);
        // A microtask later, so a settled job's own wake-up does not recurse into this loop.
        queueMicrotask(() => this.pump());
      });
      this.#running.add(run);
    }
  }

  async #run(job: Job): Promise<void> {
    let outcome: JobOutcome;
    try {
      outcome = await this.processor(
        { delivery: job.delivery, attempt: job.attempt, done: job.done },
        { recordProgress: async (done) => this.queue.progress(job, done) },
      );
    } catch (error) {
      outcome = { status: "retry", delayMs: 1_000, error: String(error), done: job.done };
    }
    this.queue.settle(job, outcome);
  }

  async pause(): Promise<void> {
    this.#paused = true;
    await this.#settled();
  }

  resume(): void {
    this.#paused = false;
    this.pump();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#settled();
  }

  async #settled(): Promise<void> {
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
