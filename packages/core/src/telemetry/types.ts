import type { WebhookEvent } from "../events.js";
import type { DeadLetterReason, JobOutcome, QueuedTrace, QueueJob } from "../queue/types.js";
import type { Route } from "../router.js";
import type { WebhookResponse } from "../types.js";

/** An OpenTelemetry `TracerProvider` (typed loosely so core's types never need `@opentelemetry/api`). */
export interface TracerProviderLike {
  getTracer(name: string, version?: string): object;
}

/** An OpenTelemetry `MeterProvider`. */
export interface MeterProviderLike {
  getMeter(name: string, version?: string): object;
}

/** `createReceiver({ telemetry })`: explicit providers instead of the global ones. */
export interface TelemetryOptions {
  tracerProvider?: TracerProviderLike;
  meterProvider?: MeterProviderLike;
}

/** What the pipeline learns of a delivery as it goes, for its span. */
export interface DeliveryNote {
  type?: string;
  key?: string;
}

/** One handler run as telemetry sees it: `run` calls the handler inside its span, `end` closes it once. */
export interface HandlerProbe {
  run<T>(call: () => T): T;
  end(failed: boolean, error?: unknown): void;
}

export type HandlerObserver = (route: Route, event: WebhookEvent) => HandlerProbe;

/**
 * Everything the receiver reports to OpenTelemetry, in one strategy: `noTelemetry` when the API is absent,
 * turned off, or no SDK is registered (then nothing is allocated per delivery).
 */
export interface Telemetry {
  /** Wraps the pipeline's whole decision: the delivery span, `webhook.deliveries`, `webhook.ack.duration`. */
  delivery(
    arrivedAt: number,
    decide: (note: DeliveryNote) => Promise<WebhookResponse>,
  ): Promise<WebhookResponse>;
  /** The active span's W3C context, for a queued job (undefined when nothing is traced). */
  jobTrace(): QueuedTrace | undefined;
  /** Per handler run: a span and `webhook.handler.duration`; undefined when off. */
  handlers(): HandlerObserver | undefined;
  /** Wraps one job run in a worker: the CONSUMER span linked to the receiving span. */
  job(job: QueueJob, run: () => Promise<JobOutcome>): Promise<JobOutcome>;
  /** All handlers of a delivery succeeded: `webhook.delivery.lag` (seconds since the request arrived). */
  delivered(type: string, lagSeconds: number): void;
  deadLetter(reason: DeadLetterReason): void;
  storeError(operation: string): void;
}

const SCRATCH: DeliveryNote = {};

export const noTelemetry: Telemetry = {
  delivery: (_arrivedAt, decide) => decide(SCRATCH),
  jobTrace: () => undefined,
  handlers: () => undefined,
  job: (_job, run) => run(),
  delivered: () => {},
  deadLetter: () => {},
  storeError: () => {},
};
