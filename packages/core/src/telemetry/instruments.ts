import type { Attributes, Counter, Histogram, Meter } from "@opentelemetry/api";
import type { DeliveryQueue, QueueStatus } from "../queue/types.js";

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
      description:
        "Idempotency-store calls and queue writes (operation enqueue) that failed or timed out (answered 503), by operation.",
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

/** How long a scrape waits for the queue's counts: a down queue must not make every scrape slow. */
const STATUS_BUDGET_MS = 250;
/** Counts this young are reused: scrapes from several Prometheus replicas cost one read. */
const STATUS_CACHE_MS = 1_000;

/**
 * The queue's counts for one collection: answered within STATUS_BUDGET_MS or not at all (the read goes on in
 * the background and a later scrape may use it), reused for STATUS_CACHE_MS, one read in flight at most.
 */
function boundedStatus(queue: DeliveryQueue): () => Promise<QueueStatus | undefined> {
  let last: { at: number; status: QueueStatus } | undefined;
  let inFlight: Promise<QueueStatus | undefined> | undefined;
  const read = (): Promise<QueueStatus | undefined> => {
    inFlight ??= Promise.resolve()
      .then(() => queue.status?.())
      .then(
        (status) => {
          if (status) last = { at: Date.now(), status };
          return status;
        },
        // An unreachable queue reports no gauge rather than a zero that looks healthy.
        () => undefined,
      )
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  return async () => {
    if (last && Date.now() - last.at < STATUS_CACHE_MS) return last.status;
    let stop = () => {};
    const late = new Promise<undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), STATUS_BUDGET_MS);
      // A scrape's wait never keeps the process alive.
      (timer as { unref?: () => void }).unref?.();
      stop = () => clearTimeout(timer);
    });
    try {
      return await Promise.race([read(), late]);
    } finally {
      stop();
    }
  };
}

/** Read at collection time, never per delivery: at most one bounded `status()` call per scrape. */
function observeQueue(meter: Meter, queue: DeliveryQueue, provider: string): void {
  const jobs = meter.createObservableGauge("webhook.queue.jobs", {
    description: "Jobs in the delivery queue by state (waiting, active, delayed, dead).",
  });
  const oldest = meter.createObservableGauge("webhook.queue.oldest_age", {
    description: "Age of the oldest job waiting to run (ready or delayed).",
    unit: "s",
  });
  const status = boundedStatus(queue);
  meter.addBatchObservableCallback(
    async (result) => {
      const now = await status();
      if (!now) return;
      const at = (state: string) => ({ "webhook.provider": provider, "webhook.queue.state": state });
      result.observe(jobs, now.waiting, at("waiting"));
      result.observe(jobs, now.running, at("active"));
      result.observe(jobs, now.delayed, at("delayed"));
      result.observe(jobs, now.deadLetters, at("dead"));
      if (now.oldestWaitingMs !== undefined) {
        result.observe(oldest, now.oldestWaitingMs / 1000, { "webhook.provider": provider });
      }
    },
    [jobs, oldest],
  );
}
