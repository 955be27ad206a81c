import type { PayloadIssue } from "../errors.js";
import type { CallDeadline } from "../store/types.js";

/**
 * What is kept of one verified delivery: enough for any worker, on any machine, to rebuild its event and
 * validate it again (so a dead letter replayed after a schema fix goes through).
 */
export interface QueuedDelivery {
  /** The namespaced idempotency key. It is the job id, so a queue refuses a second copy of one delivery. */
  key: string;
  /** The provider's name (`provider.name`). */
  provider: string;
  /** The event type the receiver routed on (from signed data). */
  type: string;
  /** The verified body as UTF-8 text, byte for byte what the sender signed. */
  body: string;
  /** Request headers, names lower-cased. */
  headers: Readonly<Record<string, string>>;
  /** ms since epoch when the receiver got the request. */
  receivedAt: number;
  /** The sender's own attempt number, when it says so. */
  senderAttempt?: number;
  /** The endpoint (tenant) it was received for, when the receiver names tenants: `event.tenant`. */
  tenant?: string;
  /** How long the receiver remembers this key (its provider's retention): keep the completed job as long. */
  retentionMs?: number;
  /**
   * The receiving span's W3C trace context, when telemetry is on: the worker's span joins its trace. Only
   * these two values; never another request header.
   */
  trace?: QueuedTrace;
}

/** W3C trace context of the span that accepted a delivery (`traceparent`, and `tracestate` when set). */
export interface QueuedTrace {
  traceparent: string;
  tracestate?: string;
}

/** One run of one job, as a queue hands it to the processor. */
export interface QueueJob {
  readonly delivery: QueuedDelivery;
  /** 1 on the first run; a replayed dead letter counts from 1 again. */
  readonly attempt: number;
  /** Ids of the handlers that already succeeded in earlier runs: they are not run again. */
  readonly done: readonly string[];
  /**
   * Runs of this job that were cut (their worker died or lost the job's lock) since its last stored outcome;
   * 0 or absent when none (a queue that cannot tell leaves it out). When above 0, `attempt` is the number of
   * the last cut run, and the processor decides that run's outcome — `retry` (the next run is attempt + 1) or
   * `dead` — without running handlers: each cut counts as a failed attempt under the worker's policy.
   */
  readonly interrupted?: number;
}

/**
 * Why a job became a dead letter, a stable code for dashboards and alerts (`webhook.dead_letter.reason`):
 * - `attempts_exhausted`: its handlers (or the worker) failed on every attempt, or its last run was cut;
 * - `invalid_payload`: its payload does not match the event's schema;
 * - `undecodable`: its stored data cannot be read (parked by the queue, or a body that is not JSON);
 * - `no_handler`: no handler for its type is registered in the worker;
 * - `wrong_endpoint`: it was queued by another endpoint (provider or namespace) than the worker's.
 */
export type DeadLetterReason =
  | "attempts_exhausted"
  | "invalid_payload"
  | "undecodable"
  | "no_handler"
  | "wrong_endpoint";

/** What the processor decided; the queue stores it. Retry policy is the worker's, storage the queue's. */
export type JobOutcome =
  | { status: "completed"; done: readonly string[] }
  | { status: "retry"; delayMs: number; error: string; done: readonly string[] }
  | {
      status: "dead";
      error: string;
      done: readonly string[];
      issues?: readonly PayloadIssue[];
      /** Absent from processors written before it; a queue then stores `attempts_exhausted`. */
      reason?: DeadLetterReason;
    }
  /** Not run now (its entity is busy, `perEntity`): run again after `delayMs`, the attempt count unchanged. */
  | { status: "wait"; delayMs: number; done: readonly string[] };

export interface JobContext {
  /** Persists the handlers that succeeded so far, so a crash after a side effect does not repeat it. */
  recordProgress(done: readonly string[]): Promise<void>;
}

/** Runs one job. It must not throw; a queue treats a throw as `retry` with a short delay. */
export type JobProcessor = (job: QueueJob, context: JobContext) => Promise<JobOutcome>;

/**
 * At most `max` jobs start in each window of `durationMs`, counted across every consumer of the queue (every
 * worker process). The window is fixed: it opens with the first job started after the last one closed.
 */
export interface RateLimit {
  max: number;
  durationMs: number;
}

export interface ConsumeOptions {
  /** Jobs run at once by this consumer. */
  concurrency: number;
  /** Only passed to a queue whose `supportsRateLimit` is true. */
  rateLimit?: RateLimit;
  /**
   * Hears what the queue decided without asking the processor, so the worker can tell `onError` and the log:
   * a job parked because its stored data cannot be read, a job left for a newer worker. Queues written
   * before it may ignore it; a queue that parks a job on its own must call it.
   */
  report?: (report: QueueReport) => void;
}

/** What a queue decided about a job by itself (see `ConsumeOptions.report`). Never holds the payload. */
export type QueueReport =
  | {
      /** Parked as a dead letter without a run: its stored data cannot be decoded. */
      kind: "dead_letter";
      key: string;
      /** Why, one line (which field is wrong, never its value). */
      error: string;
    }
  | {
      /** Stored by a newer release in a shape this worker does not read: left for a newer worker. */
      kind: "newer_version";
      key: string;
      /** The version the job carries. */
      version: number;
      /** When it is offered again. */
      retryInMs: number;
    };

export interface QueueConsumer {
  /** Takes no new jobs, waits for the running ones to settle (their outcome is stored), then resolves. */
  close(): Promise<void>;
  /**
   * Takes no new jobs until `resume()`, waits for the running ones to settle, then resolves. Jobs keep
   * waiting in the queue (other consumers still take them). Optional for custom queues.
   */
  pause?(): Promise<void>;
  /** Takes jobs again after `pause()`. */
  resume?(): Promise<void>;
}

/** What `DeliveryQueue.status()` reports: the queue-wide pause flag and its job counts. */
export interface QueueStatus {
  /** Paused queue-wide (`DeliveryQueue.pause()`): no consumer anywhere starts a job. */
  paused: boolean;
  /** Ready to run (held back while paused). */
  waiting: number;
  running: number;
  /** Waiting for their retry time. */
  delayed: number;
  deadLetters: number;
  /**
   * Age in ms of the oldest job waiting to run (ready or delayed), 0 when none waits. Absent when the queue
   * cannot tell.
   */
  oldestWaitingMs?: number;
  /** Dead letters counted by reason. Absent when the queue cannot tell. */
  deadLettersByReason?: Partial<Record<DeadLetterReason, number>>;
}

/** A job whose attempts ran out, or whose payload could not be used: kept until replayed or removed. */
export interface DeadLetter {
  key: string;
  provider: string;
  type: string;
  receivedAt: number;
  /** Runs made before it was parked (0 when it was parked without a run). */
  attempts: number;
  /** The last error, one line, never the payload. */
  error: string;
  /** Why it was parked; absent on dead letters stored by a release before 0.x that recorded no reason. */
  reason?: DeadLetterReason;
  issues?: readonly PayloadIssue[];
  /** ms since epoch when it became a dead letter. */
  failedAt: number;
  /** The endpoint (tenant) it was received for, when the receiver names tenants. */
  tenant?: string;
  /** Handlers that had already succeeded; a replay runs only the others. */
  done: readonly string[];
}

/**
 * Where verified deliveries wait for workers. `MemoryQueue` (in process, not durable) is the embedded
 * default; `BullMQQueue` (@webhook-kit/bullmq) is durable. Every implementation passes one conformance suite
 * (`describeQueueConformance`).
 */
export interface DeliveryQueue {
  /**
   * True when the queue lives in this process (`MemoryQueue`): its jobs are run by this process only. Leave
   * unset for a queue other processes share; the worker then warns when the store it orders events with is
   * process-local too.
   */
  readonly local?: boolean;
  /**
   * True when `enqueue` settles by the `deadline` it is given and starts no write past it: the receiver then
   * sets no timer of its own around it. Leave unset and the receiver bounds each enqueue itself.
   */
  readonly honoursDeadline?: boolean;
  /**
   * Writes one delivery durably before resolving. "duplicate" when a job with this key is already queued,
   * running, completed (within the queue's retention) or dead: never a second job for one key.
   * Rejects when the write could not be confirmed.
   */
  enqueue(delivery: QueuedDelivery, options?: CallDeadline): Promise<"queued" | "duplicate">;
  /** Starts handing jobs to `processor`, in this process, until the consumer is closed. */
  consume(processor: JobProcessor, options: ConsumeOptions): QueueConsumer;
  /** Dead letters, newest first. */
  listDeadLetters(options?: { limit?: number }): Promise<DeadLetter[]>;
  /** Puts a dead letter back on the queue with its attempt count reset. False when no dead letter has this key. */
  replayDeadLetter(key: string): Promise<boolean>;
  /** Forgets a dead letter for good. False when no dead letter has this key. */
  removeDeadLetter(key: string): Promise<boolean>;
  /** Releases connections the queue opened itself. */
  close(): Promise<void>;
  /**
   * The `messaging.system` of a worker's spans (OpenTelemetry messaging conventions), e.g. "bullmq".
   * Default "webhook_kit".
   */
  readonly messagingSystem?: string;
  /** True when `consume` honours `ConsumeOptions.rateLimit`; a worker refuses a rate limit otherwise. */
  readonly supportsRateLimit?: boolean;
  /**
   * Queue-wide pause, for an incident: no consumer, in any process, starts a job until `resume()`; jobs
   * running finish; `enqueue` keeps accepting. Optional for custom queues.
   */
  pause?(): Promise<void>;
  /** Ends a queue-wide pause. */
  resume?(): Promise<void>;
  /** The pause flag and the job counts. */
  status?(): Promise<QueueStatus>;
  /**
   * Resolves when the queue can take and hand out jobs now (connected), rejects otherwise; settles by the
   * `deadline`. It writes nothing. `receiver.health()` and `worker.health()` ask it; without it the queue's
   * check is reported `skipped`.
   */
  ping?(options?: CallDeadline): Promise<void>;
}
