import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import type { DeliveryQueue } from "../queue/types.js";

/** The metric names dashboards and alerts rely on: never rename one (docs/operations.md). */
export interface Instruments {
  /** `webhook.deliveries`: counted here, reported at collection (see `countedDeliveries`). */
  delivery(outcome: string): void;
  ack: Histogram;
  handler: Histogram;
  lag: Histogram;
  deadLetters: Counter;
  storeErrors: Counter;
}

// Seconds, from 5 ms (a MemoryStore ack) to 5 min (a slow handler): the SDK's default buckets stop at 10 s
// yet are in ms-sized steps, useless for a p99 near a 10 s sender timeout.
const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 7.5, 10, 15, 30, 60, 120, 300];

export function createInstruments(
  meter: Meter,
  queue: DeliveryQueue | undefined,
  provider: string,
): Instruments {
  const histogram = (name: string, description: string) =>
    meter.createHistogram(name, { description, unit: "s", advice: { explicitBucketBoundaries: SECONDS } });
  const instruments: Instruments = {
    delivery: countedDeliveries(meter, provider),
    ack: histogram("webhook.ack.duration", "From a request's arrival to its answer."),
    handler: histogram("webhook.handler.duration", "One handler run."),
    lag: histogram(
      "webhook.delivery.lag",
      "From a request's arrival to all its handlers done (queued: includes the wait in the queue).",
    ),
    deadLetters: meter.createCounter("webhook.dead_letters", {
      description: "Deliveries parked as dead letters, by reason.",
    }),
    storeErrors: meter.createCounter("webhook.store.errors", {
      description: "Idempotency-store calls that failed or timed out (answered 503), by operation.",
    }),
  };
  if (queue?.status) observeQueue(meter, queue, provider);
  return instruments;
}

/**
 * `webhook.deliveries` as an observable counter over plain in-process totals: the one instrument every
 * request touches costs an integer increment, not an SDK record (which hashes its attributes each time).
 */
function countedDeliveries(meter: Meter, provider: string): (outcome: string) => void {
  const totals = new Map<string, { attributes: Attributes; count: number }>();
  const counter = meter.createObservableCounter("webhook.deliveries", {
    description:
      "Webhook requests answered, by provider and outcome (handled, duplicate, queued, … or the error code).",
  });
  counter.addCallback((result) => {
    for (const { attributes, count } of totals.values()) result.observe(count, attributes);
  });
  return (outcome) => {
    const total = totals.get(outcome);
    if (total) total.count += 1;
    else
      totals.set(outcome, {
        attributes: { "webhook.provider": provider, "webhook.outcome": outcome },
        count: 1,
      });
  };
}

/** Read at collection time, never per delivery: one `status()` call per scrape. */
function observeQueue(meter: Meter, queue: DeliveryQueue, provider: string): void {
  const jobs = meter.createObservableGauge("webhook.queue.jobs", {
    description: "Jobs in the delivery queue by state (waiting, active, delayed, dead).",
  });
  const oldest = meter.createObservableGauge("webhook.queue.oldest_age", {
    description: "Age of the oldest job waiting to run (ready or delayed).",
    unit: "s",
  });
  meter.addBatchObservableCallback(
    async (result) => {
      let status: Awaited<ReturnType<NonNullable<DeliveryQueue["status"]>>> | undefined;
      try {
        status = await queue.status?.();
      } catch {
        return; // An unreachable queue reports no gauge rather than a zero that looks healthy.
      }
      if (!status) return;
      const at = (state: string) => ({ "webhook.provider": provider, "webhook.queue.state": state });
      result.observe(jobs, status.waiting, at("waiting"));
      result.observe(jobs, status.running, at("active"));
      result.observe(jobs, status.delayed, at("delayed"));
      result.observe(jobs, status.deadLetters, at("dead"));
      if (status.oldestWaitingMs !== undefined) {
        result.observe(oldest, status.oldestWaitingMs / 1000, { "webhook.provider": provider });
      }
    },
    [jobs, oldest],
  );
}
