import { closestName } from "./closest-name.js";
import { runRoutes, summarize } from "./dispatch/run-handlers.js";
import { utf8 } from "./encoding.js";
import { errorText } from "./error-text.js";
import { deadLetter, invalidConfig, isWebhookError, type WebhookError, workerInterrupted } from "./errors.js";
import type { WebhookEvent } from "./events.js";
import { type HealthOptions, healthBudget, type WorkerHealth, workerHealth } from "./health.js";
import { beginOrderedJob } from "./ordering/per-entity.js";
import { parseJsonObject, validateDelivery } from "./parse-delivery.js";
import { deliveryContext } from "./providers/define.js";
import type {
  ConsumeOptions,
  DeadLetterReason,
  DeliveryQueue,
  JobOutcome,
  JobProcessor,
  QueueConsumer,
  QueueJob,
  QueueReport,
  RateLimit,
} from "./queue/types.js";
import type { Runtime } from "./runtime.js";
import { positiveInteger } from "./settings.js";
import { warnProcessLocalStore } from "./shared-store-check.js";
import { tenantNamespace } from "./tenant-namespace.js";
import { warnUnstableHandlers } from "./unstable-handlers.js";

export interface WorkOptions {
  /** Jobs run at once by this worker. Default 8. */
  concurrency?: number;
  /**
   * Runs per job before it becomes a dead letter; a run cut by a crash or a lost lock counts as one. Default:
   * enough for the backoff to span the retention window.
   */
  attempts?: number;
  /** Exponential backoff between runs: `delayMs` × 2^(attempt-1), at most `maxDelayMs`. Default 1 s, 1 h. */
  backoff?: { delayMs?: number; maxDelayMs?: number };
  /** A handler still running after this fails its run (handler_timeout). Default: the receiver's (5 min). */
  handlerTimeoutMs?: number;
  /**
   * At most `max` jobs start per `durationMs`, counted across every worker of the queue (give each worker
   * the same limit), e.g. `{ max: 50, durationMs: 1000 }` for an API that allows 50 calls a second. Jobs
   * over the limit wait in the queue; none is failed or lost. Default: no limit.
   */
  rateLimit?: RateLimit;
  /**
   * With `ordering`: 1 runs at most one job per entity at a time across every worker process (a lease in the
   * store); the others wait, without using an attempt. Default 1 when the receiver orders events; `false`
   * turns it off (then only the stale-event guard applies).
   */
  perEntity?: 1 | false;
}

/** A job left for a newer worker is offered again often: say so at most once a minute. */
const NEWER_VERSION_WARN_EVERY_MS = 60_000;

/**
 * Consumes the receiver's queue. `close()` takes no new jobs and waits for the running ones; `pause()` does
 * the same until `resume()`. Receivers keep accepting and queueing meanwhile.
 */
export interface DeliveryWorker extends QueueConsumer {
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * Liveness of this worker: `consuming` (not paused, not closed) and its queue answers within `timeoutMs`
   * (default 1000). Never throws, never hangs.
   *
   * @example
   * const worker = receiver.work();
   * http.createServer(async (_req, res) => {
   *   const health = await worker.health();
   *   res.writeHead(health.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(health));
   * }).listen(9090);
   */
  health(options?: HealthOptions): Promise<WorkerHealth>;
}

/** The smallest attempt count whose backoff delays add up to `spanMs`: retries outlast the sender's own. */
export function attemptsToSpan(spanMs: number, delayMs: number, maxDelayMs: number): number {
  let total = 0;
  let attempts = 1;
  while (total < spanMs && attempts < 10_000) {
    total += backoffDelay(attempts, delayMs, maxDelayMs);
    attempts += 1;
  }
  return attempts;
}

export function backoffDelay(attempt: number, delayMs: number, maxDelayMs: number): number {
  return Math.min(maxDelayMs, delayMs * 2 ** Math.min(attempt - 1, 40));
}

/**
 * Runs the handlers of queued deliveries: each job's payload is validated again with this process's
 * schemas (so a replay after a fix goes through), only the handlers that have not yet succeeded run, each
 * within `handlerTimeoutMs`; failures (a run cut by a crash included) are retried with backoff, and the last
 * failure parks a dead letter. Every dead letter, and every job the queue parks or skips by itself
 * (`ConsumeOptions.report`), reaches `onError` and the log.
 */
export function startWorker(rt: Runtime, options: WorkOptions = {}): DeliveryWorker {
  const { queue, provider, logger, namespace } = rt.settings;
  if (!queue) throw invalidConfig("receiver.work() needs a `queue` in createReceiver({ provider, queue }).");
  // Handler ids (issue #18): name the handlers whose progress is only recorded as their type's unit.
  warnUnstableHandlers(rt);
  warnProcessLocalStore(rt);
  checkWorkKeys(options);
  const concurrency = positiveInteger("concurrency", options.concurrency, 8, "count", "work");
  const delayMs = positiveInteger("backoff.delayMs", options.backoff?.delayMs, 1_000, "ms", "work");
  const maxDelayMs = positiveInteger(
    "backoff.maxDelayMs",
    options.backoff?.maxDelayMs,
    60 * 60_000,
    "ms",
    "work",
  );
  // A cap below the first delay would silently replace the delay asked for.
  if (maxDelayMs < delayMs)
    throw invalidConfig(
      `backoff.maxDelayMs (${maxDelayMs}) is below backoff.delayMs (${delayMs}): raise maxDelayMs, or lower delayMs.`,
      "work",
    );
  const attempts = positiveInteger(
    "attempts",
    options.attempts,
    attemptsToSpan(rt.settings.retentionMs, delayMs, maxDelayMs),
    "count",
    "work",
  );
  const handlerTimeoutMs = positiveInteger(
    "handlerTimeoutMs",
    options.handlerTimeoutMs,
    rt.settings.handlerTimeoutMs,
    "ms",
    "work",
  );
  const consumeOptions: ConsumeOptions = { concurrency };
  if (options.rateLimit !== undefined) consumeOptions.rateLimit = rateLimitOf(queue, options.rateLimit);

  if (options.perEntity !== undefined && options.perEntity !== 1 && options.perEntity !== false) {
    throw invalidConfig("work: perEntity must be 1 or false.");
  }
  if (options.perEntity === 1 && !rt.settings.ordering) {
    throw invalidConfig(
      "work: perEntity needs `ordering` in createReceiver (true, or { entity, version }) to know each event's entity.",
    );
  }
  const perEntity = rt.settings.ordering !== undefined && options.perEntity !== false;

  const dead = (
    job: QueueJob,
    error: WebhookError,
    done: readonly string[],
    reason: DeadLetterReason,
    event?: WebhookEvent,
  ): JobOutcome => {
    // One report per dead letter: the error line with its cause's stack, the fields to find the job by.
    rt.report(error, event, "error", {
      type: job.delivery.type,
      id: job.delivery.key,
      ...(job.delivery.tenant === undefined ? {} : { tenant: job.delivery.tenant }),
      attempt: job.attempt,
      reason,
    });
    rt.telemetry.deadLetter(reason);
    const outcome: JobOutcome = { status: "dead", error: error.message, done, reason };
    if (error.issues) outcome.issues = error.issues;
    return outcome;
  };

  /** A failed attempt that will be retried: one warn line, the message only (stacks are at debug). */
  const failedAttempt = (job: QueueJob, message: string, retryInMs: number): void => {
    try {
      logger.warn(
        {
          provider: provider.name,
          type: job.delivery.type,
          id: job.delivery.key,
          ...(job.delivery.tenant === undefined ? {} : { tenant: job.delivery.tenant }),
          attempt: job.attempt,
        },
        `attempt ${job.attempt} of ${attempts} failed, retried in ${retryInMs} ms: ${message}`,
      );
    } catch {
      // A logger that cannot print this value must not decide the job's outcome.
    }
  };

  // A run cut by a crash or a lost lock is a failed attempt like any other: retried with backoff, parked
  // (and reported) when it was the last one. Nothing runs here; the next run does.
  const interrupted = (job: QueueJob, cuts: number): JobOutcome => {
    const done = [...job.done];
    rt.report(workerInterrupted(job.delivery.key, cuts, job.attempt), undefined, "warn");
    if (job.attempt >= attempts) {
      const message = `Gave up after ${job.attempt} attempt(s): the last run was cut (its worker died or lost the job's lock). Find what kills the worker on this delivery, then replay the dead letter.`;
      return dead(job, deadLetter(message), done, "attempts_exhausted");
    }
    const error = `run ${job.attempt} was cut before it stored an outcome`;
    return { status: "retry", delayMs: backoffDelay(job.attempt, delayMs, maxDelayMs), error, done };
  };

  let newerWarnedAt = Number.NEGATIVE_INFINITY;
  let newerSkipped = 0;
  const report = (event: QueueReport): void => {
    if (event.kind === "dead_letter") {
      const error = deadLetter(
        `The queued delivery ${event.key} was parked without a run: ${event.error}. Inspect it (webhook-kit dead-letters list), then replay it from a worker that reads it or remove it.`,
      );
      rt.report(error, undefined, "error", { id: event.key, reason: "undecodable" });
      rt.telemetry.deadLetter("undecodable");
      return;
    }
    newerSkipped += 1;
    if (Date.now() - newerWarnedAt < NEWER_VERSION_WARN_EVERY_MS) return;
    newerWarnedAt = Date.now();
    logger.warn(
      {
        provider: provider.name,
        id: event.key,
        version: event.version,
        skipped: newerSkipped,
        retryInMs: event.retryInMs,
      },
      "jobs stored by a newer release are left for a newer worker (finish the rolling deploy)",
    );
    newerSkipped = 0;
  };

  const process: JobProcessor = async (job, context) => {
    const { delivery } = job;
    const done = [...job.done];
    // Checked before anything else, a cut run included: another endpoint's job must never run here.
    if (
      delivery.provider !== provider.name ||
      !delivery.key.startsWith(`${tenantNamespace(namespace, delivery.tenant)}:`)
    ) {
      const message = `This job was queued by another endpoint (provider ${delivery.provider}, key ${delivery.key}) but reached the ${provider.name} worker of namespace "${namespace}": give each endpoint its own queue (name), then replay it there.`;
      return dead(job, deadLetter(message), done, "wrong_endpoint");
    }
    const cuts = job.interrupted ?? 0;
    if (cuts > 0) return interrupted(job, cuts);
    let event: WebhookEvent;
    try {
      const body = parseJsonObject(delivery.body);
      const ctx = deliveryContext(body, delivery.headers, utf8(delivery.body), rt.sha256Hex);
      ctx.type = delivery.type;
      const result = await validateDelivery(provider, ctx);
      if (!result.ok) {
        return dead(
          job,
          deadLetter(
            `The ${delivery.type} payload does not match its schema; fix the schema, then replay this dead letter.`,
            undefined,
            result.issues,
          ),
          done,
          "invalid_payload",
        );
      }
      event = {
        id: delivery.key,
        type: delivery.type,
        payload: result.value,
        provider: delivery.provider,
        receivedAt: delivery.receivedAt,
        headers: delivery.headers,
        attempt: job.attempt,
      };
      if (delivery.tenant !== undefined) event.tenant = delivery.tenant;
    } catch (error) {
      const reason = isWebhookError(error) ? error.message : String(error);
      return dead(
        job,
        deadLetter(`The queued delivery ${delivery.key} could not be decoded (${reason}).`, error),
        done,
        "undecodable",
      );
    }
    const routes = rt.router.routes(delivery.type);
    if (routes.length === 0) {
      // Accepted with a 202, so never completed with nothing run: a worker deployed before its handler, or
      // registering it after work(), keeps the event until the handler exists.
      const message = `No handler for ${delivery.type} is registered in this worker; register one (receiver.on("${delivery.type}", …), or "*" to accept every type), then replay this dead letter.`;
      return dead(job, deadLetter(message), done, "no_handler", event);
    }
    const known = new Set(routes.map((route) => route.id));
    const unknown = done.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      logger.warn(
        { id: delivery.key, handlers: unknown },
        "the job records handlers this worker does not have (renamed or removed since): they are not run",
      );
    }
    // A unit (handlers without a stable id) is never recorded as done: across a deploy nothing says its
    // members are the ones that ran, so it runs again whenever the job does (at least once, never skipped).
    const pending = routes.filter((route) => route.member !== undefined || !done.includes(route.id));
    if (pending.length === 0) return { status: "completed", done };
    const units = new Set(pending.filter((route) => route.member !== undefined).map((route) => route.id));
    const ordered = await beginOrderedJob(rt, event, done, perEntity);
    if (ordered.outcome) return ordered.outcome;
    const recordDone = (id: string) => {
      if (units.has(id)) return;
      done.push(id);
      // Recorded as each handler succeeds, so a crash before the job ends does not repeat its side effect.
      context
        .recordProgress([...done])
        .catch((err: unknown) => logger.warn({ err, id: delivery.key }, "could not record handler progress"));
    };
    const failures = await runRoutes(
      pending,
      event,
      rt.ticker,
      handlerTimeoutMs,
      recordDone,
      rt.telemetry.handlers(),
    );
    await ordered.finish(failures.length === 0);
    if (failures.length === 0) {
      // `webhook.delivery.lag` of a queued delivery includes its wait (and its retries).
      rt.telemetry.delivered(delivery.type, Math.max(0, Date.now() - delivery.receivedAt) / 1000);
      return { status: "completed", done };
    }
    const summary = summarize(failures, pending.length, delivery.type);
    // Stacks at debug: an attempt that will be retried is one line; the dead letter's report carries the stack.
    for (const { id, error } of failures)
      logger.debug(
        { err: error, type: delivery.type, id: delivery.key, handler: id, attempt: job.attempt },
        "webhook handler failed",
      );
    if (job.attempt >= attempts) {
      // One failure is its own cause (its stack reads directly); several are grouped.
      const cause =
        failures.length === 1
          ? failures[0]?.error
          : new AggregateError(
              failures.map((f) => f.error),
              summary,
            );
      return dead(
        job,
        deadLetter(
          `Gave up after ${job.attempt} attempt(s): ${summary}. Fix the handler, then replay the dead letter.`,
          cause,
        ),
        done,
        "attempts_exhausted",
        event,
      );
    }
    const retryInMs = backoffDelay(job.attempt, delayMs, maxDelayMs);
    failedAttempt(job, summary, retryInMs);
    return { status: "retry", delayMs: retryInMs, error: summary, done };
  };

  const consumer = queue.consume(
    async (job, context) => {
      try {
        // Telemetry: the job's CONSUMER span, in the trace of the request that queued it.
        return await rt.telemetry.job(job, () => process(job, context));
      } catch (error) {
        // A bug in the worker or in a hook it calls (ordering's entity or version, a validator): a failed
        // attempt like any other — backoff, then a reported dead letter; never a silent loop.
        const text = errorText(error);
        try {
          logger.debug(
            { err: error, id: job.delivery.key, attempt: job.attempt },
            "worker failed to process a job",
          );
        } catch {
          // A logger that cannot print this value must not decide the job's outcome.
        }
        if (job.attempt >= attempts) {
          const why = `Gave up after ${job.attempt} attempt(s): the worker failed before its handlers finished (${text}). Fix it, then replay the dead letter.`;
          return dead(job, deadLetter(why, error), job.done, "attempts_exhausted");
        }
        const retryInMs = backoffDelay(job.attempt, delayMs, maxDelayMs);
        failedAttempt(job, `the worker failed to process it: ${text}`, retryInMs);
        return { status: "retry", delayMs: retryInMs, error: text, done: job.done };
      }
    },
    { ...consumeOptions, report },
  );
  return flowControlled(consumer, queue);
}

const WORK_KEYS = ["concurrency", "attempts", "backoff", "handlerTimeoutMs", "rateLimit", "perEntity"];
const BACKOFF_KEYS = ["delayMs", "maxDelayMs"];

/** A misspelled option would silently fall back to its default: refuse it, naming the one meant. */
function checkWorkKeys(options: WorkOptions): void {
  if (typeof options !== "object" || options === null)
    throw invalidConfig("pass an options object, e.g. receiver.work({ concurrency: 8 }).", "work");
  const unknown = (key: string, valid: readonly string[], path = "") => {
    const guess = closestName(key, valid);
    return invalidConfig(
      `unknown option "${path}${key}"; ${guess ? `did you mean "${path}${guess}"?` : `the options are ${valid.map((name) => path + name).join(", ")}.`}`,
      "work",
    );
  };
  for (const key of Object.keys(options)) if (!WORK_KEYS.includes(key)) throw unknown(key, WORK_KEYS);
  const backoff = options.backoff;
  if (backoff !== undefined) {
    if (typeof backoff !== "object" || backoff === null)
      throw invalidConfig("backoff must be { delayMs, maxDelayMs }, e.g. { delayMs: 1000 }.", "work");
    for (const key of Object.keys(backoff))
      if (!BACKOFF_KEYS.includes(key)) throw unknown(key, BACKOFF_KEYS, "backoff.");
  }
}

function rateLimitOf(queue: DeliveryQueue, limit: RateLimit): RateLimit {
  if (typeof limit !== "object" || limit === null)
    throw invalidConfig("rateLimit must be { max, durationMs }, e.g. { max: 50, durationMs: 1000 }.", "work");
  const max = limit.max;
  if (!Number.isSafeInteger(max) || max < 1)
    throw invalidConfig(
      `rateLimit.max must be a positive integer (jobs started per window), got ${String(max)}.`,
      "work",
    );
  if (limit.durationMs === undefined)
    throw invalidConfig("rateLimit.durationMs is required: the window in ms, e.g. 1000.", "work");
  const durationMs = positiveInteger("rateLimit.durationMs", limit.durationMs, 1, "ms", "work");
  if (queue.supportsRateLimit !== true)
    throw invalidConfig(
      `rateLimit needs a queue that enforces it (MemoryQueue, BullMQQueue); ${queue.constructor.name} does not declare supportsRateLimit: drop rateLimit or use one of those.`,
      "work",
    );
  return { max, durationMs };
}

/** A consumer that can pause and resume; a custom queue's consumer without them refuses with the fix. */
function flowControlled(consumer: QueueConsumer, queue: DeliveryQueue): DeliveryWorker {
  const missing = (call: "pause" | "resume") =>
    Promise.reject(
      invalidConfig(
        `this queue's consumer has no ${call}(): implement QueueConsumer.pause() and resume() in the queue, or close() the worker instead.`,
        `worker.${call}()`,
      ),
    );
  // What health() reports: set when the call is made, since a closing or pausing worker takes no new job.
  let state: WorkerHealth["state"] = "consuming";
  return {
    close: () => {
      state = "closed";
      return consumer.close();
    },
    pause: () => {
      if (!consumer.pause) return missing("pause");
      if (state !== "closed") state = "paused";
      return consumer.pause();
    },
    resume: () => {
      if (!consumer.resume) return missing("resume");
      if (state !== "closed") state = "consuming";
      return consumer.resume();
    },
    health: async (options) => workerHealth(state, queue, healthBudget(options, "worker.health()")),
  };
}
