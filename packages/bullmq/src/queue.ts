import { randomUUID } from "node:crypto";
import {
  type CallDeadline,
  type ConsumeOptions,
  DEFAULT_RETENTION_MS,
  type DeadLetter,
  type DeadLetterReason,
  type DeliveryQueue,
  type JobProcessor,
  type QueueConsumer,
  type QueuedDelivery,
  type QueueStatus,
} from "@webhook-kit/core";
import type { Job, JobType } from "bullmq";
import {
  type Backend,
  hasHashTag,
  isCluster,
  type JobQueue,
  type JobWorker,
  type PostgresTarget,
  postgresBackend,
  type RedisTarget,
  redisBackend,
} from "./backends.js";
import { BullMQQueueError, type BullMQQueueOperation } from "./errors.js";
import { jobIdFromKey, keyFromJobId } from "./job-id.js";
import { checkQueueOptions } from "./options.js";
import { runJob, UNDECODABLE } from "./run-job.js";
import { displayable } from "./storable.js";
import {
  decodeStoredJob,
  encodeStoredJob,
  oneLine,
  STORED_JOB_VERSION,
  type StoredJob,
} from "./stored-job.js";

/** Options shared by both backends. */
export interface BullMQQueueCommonOptions {
  /**
   * BullMQ queue name, required: the receivers and workers of one endpoint share it, and each endpoint needs
   * its own (a worker parks jobs of another provider as dead letters rather than run them).
   */
  name: string;
  /**
   * How long a completed job (and so its key) is kept when the delivery does not say (a receiver passes its
   * provider's retention with each job, and that wins): an enqueue of the same key within it is a
   * duplicate, after it a new job. Default 24 h (`DEFAULT_RETENTION_MS`); 1 ms to 366 days. Dead letters are
   * never removed automatically.
   */
  completedRetentionMs?: number;
  /**
   * Upper bound on one call (readiness included); then it rejects with `BullMQQueueError`. An `enqueue` from
   * a receiver carries the receiver's deadline (`queueTimeoutMs`) and uses that instead. Default 2000; 1 to 2^31-1 ms.
   */
  timeoutMs?: number;
  /**
   * A running job's lock, renewed every half of it while the job runs. A worker that dies (SIGKILL, OOM,
   * lost machine) stops renewing; its jobs are taken back within `lockDurationMs + stalledIntervalMs`.
   * Keep it well above your longest event-loop stall. Default 30000; 1000 to 2^31-1 ms (it is renewed every
   * half of it, so a shorter lock is lost to ordinary stalls).
   */
  lockDurationMs?: number;
  /** How often each worker looks for jobs whose lock expired. Default 30000; 100 to 2^31-1 ms. */
  stalledIntervalMs?: number;
  /**
   * @deprecated Ignored. A run cut by a dead worker (or a lost lock) now counts as one failed attempt under
   * the worker's policy (`receiver.work({ attempts, backoff })`): it is retried with backoff, and parks a
   * dead letter that `onError` hears once attempts run out. BullMQ itself never fails a job for stalling.
   */
  maxStalledCount?: number;
  /**
   * Hears connection and worker errors that have no caller to reject (reconnects, lock renewals). Default:
   * `console.warn` of the message.
   */
  onError?: (error: Error) => void;
}

/** A queue on Redis. */
export interface BullMQRedisQueueOptions extends BullMQQueueCommonOptions {
  /**
   * A URL (`redis://host:6379`), ioredis options, an ioredis client, or an ioredis `Cluster` for a Redis
   * Cluster (clients are duplicated, never closed by the queue).
   */
  connection: RedisTarget;
  /**
   * BullMQ's key prefix. Default `"bull"` (what bull-board and other BullMQ tools assume); on a Redis
   * Cluster `"{bull:<name>}"`, a hash tag that keeps the queue's keys in one slot. A prefix given for a
   * Cluster must carry a hash tag (`{…}`).
   */
  prefix?: string;
}

/** A queue on PostgreSQL, through BullMQ's PostgreSQL backend. */
export interface BullMQPostgresQueueOptions extends BullMQQueueCommonOptions {
  /** A connection string, a node-postgres pool config (may carry `schema`), or a `pg.Pool` (never closed by the queue). */
  postgres: PostgresTarget;
  /** Create or upgrade BullMQ's schema when connecting (idempotent, serialized by an advisory lock). Default true. */
  migrate?: boolean;
}

export type BullMQQueueOptions = BullMQRedisQueueOptions | BullMQPostgresQueueOptions;

/**
 * BullMQ retries a job by itself only when the outcome could not be stored (a connection drop between the
 * handlers and the write): 10 tries, 1 s doubling. Handler failures follow the worker policy instead.
 */
const STORAGE_RETRIES = { attempts: 10, backoff: { type: "exponential", delay: 1_000 } } as const;
const DEFAULT_LIMIT = 100;
/**
 * BullMQ fails a job by itself once it stalled more than `maxStalledCount` times, and never resets that count
 * (not per attempt, not on retry). So that limit is set out of reach (it must fit PostgreSQL's integer) and
 * `runJob` counts stalls per attempt against the job's own baseline instead.
 */
const STALLS_NEVER_FAIL = 2_000_000_000;
/** Jobs read by `status()` for the oldest waiting age: the oldest ready ones, and the delayed due soonest. */
export const AGE_SAMPLE = 20;
/** Dead letters read by `status()` for the counts by reason: the newest ones. */
export const REASON_SAMPLE = 200;
/** Expired completed jobs removed per enqueue that finds one in its way. */
const CLEAN_BATCH = 1_000;

/**
 * The durable `DeliveryQueue`: BullMQ 6 on Redis or on PostgreSQL. The job id is the delivery's idempotency
 * key (escaped, see `jobIdFromKey`), so BullMQ itself refuses a second copy; completed jobs are kept for
 * `completedRetentionMs`; dead letters are BullMQ's failed set, visible in BullMQ's own tools.
 *
 * Pass `connection` for Redis or `postgres` for PostgreSQL; everything else is the same.
 *
 * @example
 * // Redis
 * const queue = new BullMQQueue({ connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379", name: "eulabel" });
 * // PostgreSQL
 * const queue = new BullMQQueue({ postgres: process.env.DATABASE_URL ?? "postgres://127.0.0.1:5432/app", name: "eulabel" });
 *
 * const receiver = createReceiver({ provider, queue });   // receivers enqueue
 * const worker = receiver.work({ concurrency: 16 });      // workers, on any machine, run the handlers
 * process.once("SIGTERM", async () => {
 *   await worker.close();
 *   await queue.close();
 * });
 */
export class BullMQQueue implements DeliveryQueue {
  /** `enqueue` settles by its deadline: the receiver sets no timer of its own around it. */
  readonly honoursDeadline = true;
  /** `consume` passes `rateLimit` to BullMQ's limiter: one counter per queue, shared by every worker. */
  readonly supportsRateLimit = true;
  /** `messaging.system` of worker spans, as `bullmq-otel` names it. */
  readonly messagingSystem = "bullmq";
  /** The BullMQ queue name. */
  readonly name: string;
  /** Where the jobs live. */
  readonly backend: "redis" | "postgres";
  readonly #store: Backend;
  readonly #retentionMs: number;
  readonly #timeoutMs: number;
  readonly #worker: { lockDuration: number; stalledInterval: number; maxStalledCount: number };
  readonly #onError: (error: Error) => void;
  /** Pings waiting for the producer's connection: told of its errors (a refused connection) as they come. */
  readonly #pingWaiters = new Set<(error: Error) => void>();
  readonly #consumers = new Set<BullMQConsumer>();
  #producer: Promise<JobQueue> | undefined;
  #closed = false;

  constructor(options: BullMQQueueOptions) {
    // Every option is checked before anything connects (bounds and forms: README, "Options").
    const kind = checkQueueOptions(options);
    if (typeof options.name !== "string" || options.name === "")
      throw new TypeError(
        'BullMQQueue: pass `name`, one per webhook endpoint (e.g. "eulabel-webhooks"): receivers and workers of that endpoint share it, and two endpoints on one queue would hand each other\'s jobs to the wrong handlers.',
      );
    this.name = options.name;
    if (this.name.includes(":"))
      throw new TypeError(`BullMQQueue: name must not contain ':' (got "${this.name}").`);
    const redis = kind === "redis" ? (options as BullMQRedisQueueOptions) : undefined;
    if (redis && isCluster(redis.connection) && redis.prefix !== undefined) {
      if (!hasHashTag(redis.prefix))
        throw new TypeError(
          `BullMQQueue: on a Redis Cluster the prefix must carry a hash tag so the queue's keys share a slot: use "{${redis.prefix}}" (got "${redis.prefix}"), or leave prefix out for "{bull:${this.name}}".`,
        );
    }
    // Chosen by the option's value, not its presence: `{ connection, postgres: undefined }` is a Redis queue.
    const postgres = redis ? undefined : (options as BullMQPostgresQueueOptions);
    this.#store = postgres
      ? postgresBackend(postgres.postgres, postgres.migrate ?? true)
      : redisBackend((redis as BullMQRedisQueueOptions).connection, redis?.prefix);
    this.backend = this.#store.kind;
    this.#retentionMs = options.completedRetentionMs ?? DEFAULT_RETENTION_MS;
    this.#timeoutMs = options.timeoutMs ?? 2_000;
    this.#worker = {
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: STALLS_NEVER_FAIL,
    };
    this.#onError =
      options.onError ?? ((error) => console.warn(`@webhook-kit/bullmq (${this.name}): ${error.message}`));
  }

  async enqueue(delivery: QueuedDelivery, options?: CallDeadline): Promise<"queued" | "duplicate"> {
    if (typeof delivery.key !== "string" || delivery.key === "")
      throw new TypeError("BullMQQueue.enqueue: delivery.key must be a non-empty string.");
    const id = jobIdFromKey(delivery.key);
    const stored: StoredJob = encodeStoredJob({
      v: STORED_JOB_VERSION,
      nonce: randomUUID(),
      delivery: { ...delivery, headers: { ...delivery.headers } },
      attempt: 1,
      done: [],
      stallsSeen: 0,
    });
    // The receiver's retention for this provider when it says so: the queue's duplicate window is exactly
    // the receiver's, so a genuine repeat after it (A-B-A) is a new job, and a late copy within it is not.
    const retentionMs = delivery.retentionMs ?? this.#retentionMs;
    const deadline = options?.deadline;
    const budgetMs = deadline === undefined ? this.#timeoutMs : deadline - Date.now();
    return this.#call("enqueue", budgetMs, async (queue) => {
      // BullMQ answers an add with an existing id by returning that id and changing nothing: reading the
      // nonce back tells whether this call wrote the job. A job gone between the two reads (removed, or a
      // zero retention) is added again rather than reported as queued without a job behind it.
      for (let tries = 1; ; tries++) {
        await queue.add(displayable(`${delivery.provider}/${delivery.type}`), stored, {
          jobId: id,
          ...STORAGE_RETRIES,
          removeOnComplete: { age: Math.max(1, Math.ceil(retentionMs / 1_000)) },
          removeOnFail: false,
        });
        let found: Job<StoredJob> | undefined;
        try {
          found = await queue.getJob(id);
        } catch (error) {
          // BullMQ could not parse the stored job: it exists, and it is not ours.
          if (error instanceof SyntaxError) return "duplicate";
          throw error;
        }
        if (found !== undefined) {
          const data: unknown = found.data;
          const nonce =
            typeof data === "object" && data !== null ? (data as { nonce?: unknown }).nonce : undefined;
          if (nonce === stored.nonce) return "queued";
          // BullMQ removes completed jobs past their age only when another job completes: one that outlived
          // the retention is cleaned here (by age, so a job written meanwhile by a concurrent enqueue stays).
          const expired =
            found.finishedOn !== undefined &&
            found.finishedOn + retentionMs <= Date.now() &&
            (await queue.getJobState(id)) === "completed";
          if (!expired || tries === 3) return "duplicate";
          await queue.clean(retentionMs, CLEAN_BATCH, "completed");
          continue;
        }
        if (tries === 3)
          throw new Error(`job ${id} vanished right after each of 3 writes; is something removing jobs?`);
      }
    });
  }

  consume(processor: JobProcessor, options: ConsumeOptions): QueueConsumer {
    if (this.#closed) throw new Error("BullMQQueue: consume() after close().");
    if (!Number.isSafeInteger(options.concurrency) || options.concurrency < 1)
      throw new TypeError(
        `BullMQQueue.consume: concurrency must be a positive integer (got ${options.concurrency}).`,
      );
    const limit = options.rateLimit;
    const start = async () => {
      const worker = await this.#store.createWorker(
        this.name,
        (job, token) => runJob(job, token, processor, options.report),
        {
          ...this.#worker,
          concurrency: options.concurrency,
          autorun: false,
          ...(limit ? { limiter: { max: limit.max, duration: limit.durationMs } } : {}),
        },
        this.#onError,
      );
      // BullMQ fails a job by itself only when storing an outcome kept failing (STORAGE_RETRIES ran out): no
      // processor decided that dead letter, so it is reported here. Our own dead letters are Unrecoverable.
      worker.on("failed", (job, error) => {
        if (job === undefined || job.finishedOn === undefined || error.name === "UnrecoverableError") return;
        options.report?.({
          kind: "dead_letter",
          key: keyFromJobId(job.id ?? ""),
          error: `BullMQ failed it after ${job.attemptsMade} run(s) whose outcome could not be stored (${oneLine(error.message)})`,
        });
      });
      return worker;
    };
    const consumer = new BullMQConsumer(start, this.#store, this.#onError, () =>
      this.#consumers.delete(consumer),
    );
    this.#consumers.add(consumer);
    return consumer;
  }

  async listDeadLetters(options: { limit?: number } = {}): Promise<DeadLetter[]> {
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (limit < 1) return [];
    return this.#call("listDeadLetters", this.#timeoutMs, async (queue) => {
      const ids = await queue.getRanges(["failed"], 0, limit - 1, false);
      const letters = await Promise.all(ids.map((id) => readDeadLetter(queue, id)));
      return letters.filter((letter) => letter !== undefined).sort((a, b) => b.failedAt - a.failedAt);
    });
  }

  async replayDeadLetter(key: string): Promise<boolean> {
    return this.#call("replayDeadLetter", this.#timeoutMs, async (queue) => {
      const job = await findDeadLetter(queue, key);
      if (job === undefined) return false;
      const decoded = decodeStoredJob(job.data);
      if (decoded.ok) {
        // The attempt count starts again; handlers already done stay done; the old error and issues go.
        // It starts clean: stalls counted before the replay are not held against it.
        const { lastError: _e, issues: _i, reason: _r, ...rest } = decoded.job;
        await job.updateData(encodeStoredJob({ ...rest, attempt: 1, stallsSeen: job.stalledCounter ?? 0 }));
      }
      await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
      return true;
    });
  }

  async removeDeadLetter(key: string): Promise<boolean> {
    return this.#call("removeDeadLetter", this.#timeoutMs, async (queue) => {
      const job = await findDeadLetter(queue, key);
      if (job === undefined) return false;
      await job.remove();
      return true;
    });
  }

  /**
   * Queue-wide pause (BullMQ's own flag, seen by every worker of this queue name on any machine): no job
   * starts until `resume()`; running jobs finish; `enqueue` keeps accepting. Survives restarts.
   */
  async pause(): Promise<void> {
    await this.#call("pause", this.#timeoutMs, (queue) => queue.pause());
  }

  /**
   * Resolves once the backend answers a read of the queue's pause flag, by `deadline` (default `timeoutMs`
   * from now); writes no job. `receiver.health()` and `worker.health()` ask it.
   *
   * @example
   * await queue.ping({ deadline: Date.now() + 500 });
   */
  async ping(options?: CallDeadline): Promise<void> {
    const deadline = options?.deadline;
    const budgetMs = deadline === undefined ? this.#timeoutMs : deadline - Date.now();
    // A server that refuses the connection never lets the read start (BullMQ keeps reconnecting): its first
    // connection error answers the ping `unavailable` at once, rather than `timeout` when the budget ends.
    let detach = () => {};
    const refused = new Promise<never>((_, reject) => {
      this.#pingWaiters.add(reject);
      detach = () => this.#pingWaiters.delete(reject);
    });
    refused.catch(() => {}); // raced below; never an unhandled rejection if it loses
    try {
      await this.#call("ping", budgetMs, (queue) => queue.isPaused(), refused);
    } finally {
      detach();
    }
  }

  /** Ends a queue-wide pause. */
  async resume(): Promise<void> {
    await this.#call("resume", this.#timeoutMs, (queue) => queue.resume());
  }

  /**
   * The pause flag, the job counts, the oldest waiting job's age and the dead letters by reason. Bounded
   * whatever the queue holds: the age is the oldest of the 20 oldest ready jobs (the list is FIFO) and
   * the 20 delayed jobs due soonest; `deadLettersByReason` counts the newest
   * 200 dead letters only (its sum is below `deadLetters` when there are more).
   */
  async status(): Promise<QueueStatus> {
    return this.#call("status", this.#timeoutMs, async (queue) => {
      const [paused, counts, delayed, dead] = await Promise.all([
        queue.isPaused(),
        // PostgreSQL reports the jobs held by a pause as "paused", which BullMQ's types no longer list.
        queue.getJobCounts("wait", "paused" as JobType, "prioritized", "active", "delayed", "failed"),
        queue.getRanges(["delayed"], 0, AGE_SAMPLE - 1, true),
        queue.getRanges(["failed"], 0, REASON_SAMPLE - 1, false),
      ]);
      const n = (state: string) => counts[state] ?? 0;
      // Index 0 of a ready list is its newest job on both backends, and PostgreSQL takes no negative
      // index: the oldest are the last AGE_SAMPLE positions, located by the count just read.
      const tails = (["wait", "paused", "prioritized"] as const)
        .filter((state) => n(state) > 0)
        .map((state) =>
          queue.getRanges([state as JobType], Math.max(0, n(state) - AGE_SAMPLE), n(state) - 1, false),
        );
      const ready = (await Promise.all(tails)).flat();
      const [stamps, letters] = await Promise.all([
        Promise.all([...new Set([...ready, ...delayed])].map((id) => enqueuedAt(queue, id))),
        Promise.all(dead.map((id) => readDeadLetter(queue, id))),
      ]);
      const now = Date.now();
      const oldest = Math.min(now, ...stamps.filter((at) => at !== undefined));
      const byReason: Partial<Record<DeadLetterReason, number>> = {};
      for (const letter of letters) {
        if (letter === undefined) continue;
        const reason = letter.reason ?? "attempts_exhausted";
        byReason[reason] = (byReason[reason] ?? 0) + 1;
      }
      return {
        paused,
        waiting: n("wait") + n("paused") + n("prioritized"),
        running: n("active"),
        delayed: n("delayed"),
        deadLetters: n("failed"),
        oldestWaitingMs: Math.max(0, now - oldest),
        deadLettersByReason: byReason,
      };
    });
  }

  /** Closes the consumers still open (gracefully: running jobs finish) and the connections of this queue. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.close()));
    const producer = this.#producer;
    this.#producer = undefined;
    if (producer === undefined) return;
    const queue = await producer.catch(() => undefined);
    if (queue === undefined) return;
    await queue.close().catch(() => {});
    await this.#store.release(queue);
  }

  /**
   * The producer queue, ready. BullMQ remembers a failed first connection (PostgreSQL down at start) for
   * good, so a producer that failed to become ready is dropped and the next call builds a new one.
   */
  async #ready(): Promise<JobQueue> {
    if (this.#closed) throw new Error("BullMQQueue is closed.");
    this.#producer ??= this.#store.createQueue(this.name).then((queue) => {
      queue.on("error", (error: Error) => {
        for (const waiter of this.#pingWaiters) waiter(error);
        this.#onError(error);
      });
      return queue;
    });
    const producer = this.#producer;
    try {
      const queue = await producer;
      await queue.waitUntilReady();
      return queue;
    } catch (error) {
      if (this.#producer === producer) {
        this.#producer = undefined;
        producer
          .then(async (queue) => {
            await queue.close();
            await this.#store.release(queue);
          })
          .catch(() => {});
      }
      throw error;
    }
  }

  async #call<T>(
    operation: BullMQQueueOperation,
    timeoutMs: number,
    run: (queue: JobQueue) => Promise<T>,
    failFast?: Promise<never>,
  ): Promise<T> {
    if (!(timeoutMs > 0)) {
      const why = `${operation}: its deadline had passed before it started; nothing was written.`;
      throw new BullMQQueueError(operation, "timeout", why);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new BullMQQueueError(
              operation,
              "timeout",
              `${operation}: no answer from ${this.backend} within ${timeoutMs} ms; check that it is reachable.`,
            ),
          ),
        timeoutMs,
      );
    });
    // Once the caller was told "timeout" (the receiver answered 503), a write not yet started must not happen
    // later: a producer still waiting for its server would otherwise queue every refused delivery on connect.
    let abandoned = false;
    const work = this.#ready().then((queue) => {
      if (abandoned) throw new Error(`${operation} abandoned after its timeout`);
      return run(queue);
    });
    work.catch(() => {});
    try {
      return await Promise.race(failFast ? [work, timeout, failFast] : [work, timeout]);
    } catch (error) {
      abandoned = true;
      if (error instanceof BullMQQueueError) throw error;
      const message = error instanceof Error ? error.message : String(error);
      throw new BullMQQueueError(
        operation,
        "unavailable",
        `${operation} failed on ${this.backend}: ${oneLine(message)}`,
        error,
      );
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * A worker of this queue; `close()` takes no new jobs and waits for the running ones to store their outcome.
 *
 * BullMQ's PostgreSQL backend remembers a failed first connection for good: a worker started while the
 * database is down would wait forever without a word. So a worker runs only once its backend is ready; one
 * that failed to get ready is dropped and a new one tried, 0.5 s to 5 s apart, until this consumer closes.
 *
 * `pause()` closes the BullMQ worker the same graceful way and `resume()` starts a new one: BullMQ 6.7's own
 * worker pause (which also reconnects its blocking client) did not return within 60 s on a Redis Cluster,
 * and a closed worker holds no lock, connection or stalled-job timer while the pause lasts.
 */
class BullMQConsumer implements QueueConsumer {
  readonly #store: Backend;
  readonly #onError: (error: Error) => void;
  readonly #forget: () => void;
  readonly #create: () => Promise<JobWorker>;
  #worker: JobWorker | undefined;
  #starting: Promise<void>;
  #stopped = false;
  #paused = false;
  #running = false;
  #interrupt: () => void = () => {};
  #wake: (() => void) | undefined;
  /** pause, resume and close run one after the other, in call order. */
  #order: Promise<void> = Promise.resolve();
  #closing: Promise<void> | undefined;

  constructor(
    create: () => Promise<JobWorker>,
    store: Backend,
    onError: (error: Error) => void,
    forget: () => void,
  ) {
    this.#create = create;
    this.#store = store;
    this.#onError = (error) => onError(error instanceof Error ? error : new Error(String(error)));
    this.#forget = forget;
    this.#starting = this.#start();
  }

  #halted(): boolean {
    return this.#stopped || this.#paused;
  }

  async #start(): Promise<void> {
    const interrupted = new Promise<void>((resolve) => {
      this.#interrupt = resolve;
    });
    for (let pause = 500; !this.#halted(); pause = Math.min(pause * 2, 5_000)) {
      let worker: JobWorker;
      try {
        worker = await this.#create();
      } catch (error) {
        this.#onError(error as Error);
        await this.#sleep(pause);
        continue;
      }
      this.#worker = worker;
      try {
        // BullMQ's readiness never settles for a Redis that is not there: close() must not wait for it.
        await Promise.race([worker.waitUntilReady(), interrupted]);
      } catch (error) {
        this.#onError(error as Error);
        if (this.#worker === worker) {
          this.#worker = undefined;
          await worker.close().catch(() => {});
          await this.#store.release(worker);
        }
        await this.#sleep(pause);
        continue;
      }
      // close() or pause() may have taken the worker while it was getting ready: then it is closed, not run.
      if (this.#halted() || this.#worker !== worker) return;
      this.#running = true;
      worker.run().catch((error: unknown) => this.#onError(error as Error));
      return;
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Closes the current worker: a running one after its jobs settled, one still connecting at once. */
  async #stopWorker(): Promise<void> {
    this.#interrupt();
    this.#wake?.();
    const worker = this.#worker;
    const running = this.#running;
    this.#worker = undefined;
    this.#running = false;
    if (worker !== undefined && running) {
      await worker.close();
      await this.#store.release(worker);
    } else if (worker !== undefined) {
      // Still waiting for its server: BullMQ's close would wait for that connection too. Dropping our
      // connection first ends the wait; there is no running job to wait for.
      await this.#store.release(worker);
      await worker.close().catch(() => {});
    }
    await this.#starting;
  }

  #then(step: () => Promise<void>): Promise<void> {
    const next = this.#order.then(step);
    this.#order = next.catch(() => {});
    return next;
  }

  /** Takes no new jobs and resolves once the running ones have stored their outcome. */
  pause(): Promise<void> {
    return this.#then(async () => {
      if (this.#halted()) return;
      this.#paused = true;
      await this.#stopWorker();
    });
  }

  resume(): Promise<void> {
    return this.#then(async () => {
      if (!this.#paused || this.#stopped) return;
      this.#paused = false;
      this.#starting = this.#start();
    });
  }

  close(): Promise<void> {
    this.#closing ??= (() => {
      // At once, so a worker still starting is not run; the close itself waits for a pause in progress.
      this.#stopped = true;
      return this.#then(async () => {
        await this.#stopWorker();
        this.#forget();
      });
    })();
    return this.#closing;
  }
}

async function findDeadLetter(queue: JobQueue, key: string): Promise<Job<StoredJob> | undefined> {
  const id = jobIdFromKey(key);
  if ((await queue.getJobState(id)) !== "failed") return undefined;
  return (await queue.getJob(id)) ?? undefined;
}

/** When a job was first enqueued (BullMQ keeps it across retries and replays); undefined when gone or unreadable. */
async function enqueuedAt(queue: JobQueue, id: string): Promise<number | undefined> {
  try {
    return (await queue.getJob(id))?.timestamp;
  } catch (error) {
    if (error instanceof SyntaxError) return undefined;
    throw error;
  }
}

async function readDeadLetter(queue: JobQueue, id: string): Promise<DeadLetter | undefined> {
  let job: Job<StoredJob> | undefined;
  try {
    job = await queue.getJob(id);
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    return undecodable(id, "job data is not JSON");
  }
  if (job === undefined) return undefined;
  const failedAt = job.finishedOn ?? job.timestamp;
  const error = oneLine(job.failedReason ?? "failed");
  const decoded = decodeStoredJob(job.data);
  if (!decoded.ok) return { ...undecodable(id, decoded.reason), failedAt, error };
  const { delivery, attempt, done, issues, reason } = decoded.job;
  const letter: DeadLetter = {
    key: delivery.key,
    provider: delivery.provider,
    type: delivery.type,
    receivedAt: delivery.receivedAt,
    attempts: attempt,
    error,
    reason: reason ?? "attempts_exhausted",
    failedAt,
    done: [...done],
  };
  if (issues !== undefined) letter.issues = issues;
  if (delivery.tenant !== undefined) letter.tenant = delivery.tenant;
  return letter;
}

function undecodable(id: string, reason: string): DeadLetter {
  return {
    key: keyFromJobId(id),
    provider: "",
    type: "",
    receivedAt: 0,
    attempts: 0,
    error: `${UNDECODABLE}: ${reason}`,
    reason: "undecodable",
    failedAt: 0,
    done: [],
  };
}
