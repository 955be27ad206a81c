import { runRoutes, summarize } from "./dispatch/run-handlers.js";
import { utf8 } from "./encoding.js";
import { deadLetter, invalidConfig, isWebhookError, type WebhookError } from "./errors.js";
import type { WebhookEvent } from "./events.js";
import { beginOrderedJob } from "./ordering/per-entity.js";
import { parseJsonObject, validateDelivery } from "./parse-delivery.js";
import { deliveryContext } from "./providers/define.js";
import type { JobOutcome, JobProcessor, QueueConsumer, QueueJob } from "./queue/types.js";
import type { Runtime } from "./runtime.js";
import { positiveInteger } from "./settings.js";

export interface WorkOptions {
  /** Jobs run at once by this worker. Default 8. */
  concurrency?: number;
  /** Runs per job before it becomes a dead letter. Default: enough for the backoff to span the retention window. */
  attempts?: number;
  /** Exponential backoff between runs: `delayMs` × 2^(attempt-1), at most `maxDelayMs`. Default 1 s, 1 h. */
  backoff?: { delayMs?: number; maxDelayMs?: number };
  /** A handler still running after this fails its run (handler_timeout). Default: the receiver's (5 min). */
  handlerTimeoutMs?: number;
  /**
   * With `ordering`: 1 runs at most one job per entity at a time across every worker process (a lease in the
   * store); the others wait, without using an attempt. Default 1 when the receiver orders events; `false`
   * turns it off (then only the stale-event guard applies).
   */
  perEntity?: 1 | false;
}

/** Consumes the receiver's queue; `close()` takes no new jobs and waits for the running ones. */
export type DeliveryWorker = QueueConsumer;

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
 * within `handlerTimeoutMs`; failures are retried with backoff, and the last failure parks a dead letter.
 */
export function startWorker(rt: Runtime, options: WorkOptions = {}): DeliveryWorker {
  const { queue, provider, logger } = rt.settings;
  if (!queue) throw invalidConfig("receiver.work() needs a `queue` in createReceiver({ provider, queue }).");
  const concurrency = positiveInteger("work: concurrency", options.concurrency, 8);
  const delayMs = positiveInteger("work: backoff.delayMs", options.backoff?.delayMs, 1_000);
  const maxDelayMs = positiveInteger("work: backoff.maxDelayMs", options.backoff?.maxDelayMs, 60 * 60_000);
  const attempts = positiveInteger(
    "work: attempts",
    options.attempts,
    attemptsToSpan(rt.settings.retentionMs, delayMs, maxDelayMs),
  );
  const handlerTimeoutMs = positiveInteger(
    "work: handlerTimeoutMs",
    options.handlerTimeoutMs,
    rt.settings.handlerTimeoutMs,
  );

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
    event?: WebhookEvent,
  ): JobOutcome => {
    rt.report(error, event);
    const outcome: JobOutcome = { status: "dead", error: error.message, done };
    if (error.issues) outcome.issues = error.issues;
    logger.warn(
      { provider: provider.name, type: job.delivery.type, id: job.delivery.key, attempt: job.attempt },
      "delivery parked as a dead letter",
    );
    return outcome;
  };

  const process: JobProcessor = async (job, context) => {
    const { delivery } = job;
    const done = [...job.done];
    if (delivery.provider !== provider.name) {
      const message = `This job was queued by a ${delivery.provider} receiver but reached a ${provider.name} worker: give each receiver its own queue (name), then replay it there.`;
      return dead(job, deadLetter(message), done);
    }
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
    } catch (error) {
      const reason = isWebhookError(error) ? error.message : String(error);
      return dead(job, deadLetter(`The queued delivery could not be decoded (${reason}).`, error), done);
    }
    const routes = rt.router.routes(delivery.type);
    if (routes.length === 0) {
      // Accepted with a 202, so never completed with nothing run: a worker deployed before its handler, or
      // registering it after work(), keeps the event until the handler exists.
      const message = `No handler for ${delivery.type} is registered in this worker; register one (receiver.on("${delivery.type}", …), or "*" to accept every type), then replay this dead letter.`;
      return dead(job, deadLetter(message), done, event);
    }
    const known = new Set(routes.map((route) => route.id));
    const unknown = done.filter((id) => !known.has(id));
    if (unknown.length > 0) {
      logger.warn(
        { id: delivery.key, handlers: unknown },
        "the job records handlers this worker does not have (renamed or removed since): they are not run",
      );
    }
    const pending = routes.filter((route) => !done.includes(route.id));
    if (pending.length === 0) return { status: "completed", done };
    const ordered = await beginOrderedJob(rt, event, done, perEntity);
    if (ordered.outcome) return ordered.outcome;
    const failures = await runRoutes(pending, event, rt.ticker, handlerTimeoutMs, (id) => {
      done.push(id);
      // Recorded as each handler succeeds, so a crash before the job ends does not repeat its side effect.
      context
        .recordProgress([...done])
        .catch((err: unknown) => logger.warn({ err, id: delivery.key }, "could not record handler progress"));
    });
    await ordered.finish(failures.length === 0);
    if (failures.length === 0) return { status: "completed", done };
    const summary = summarize(failures, pending.length, delivery.type);
    for (const { id, error } of failures)
      logger.error(
        { err: error, type: delivery.type, id: delivery.key, handler: id, attempt: job.attempt },
        "webhook handler failed",
      );
    if (job.attempt >= attempts) {
      const cause = new AggregateError(
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
        event,
      );
    }
    return { status: "retry", delayMs: backoffDelay(job.attempt, delayMs, maxDelayMs), error: summary, done };
  };

  return queue.consume(
    async (job, context) => {
      try {
        return await process(job, context);
      } catch (error) {
        // Only a bug lands here; the job is retried, never dropped.
        logger.error({ err: error, id: job.delivery.key }, "worker failed to process a job");
        return { status: "retry", delayMs, error: String(error), done: job.done };
      }
    },
    { concurrency },
  );
}
