import type { Attributes, Context, Exception, Meter, Span, Tracer, TracerProvider } from "@opentelemetry/api";
import { invalidConfig, isWebhookError } from "../errors.js";
import type { DeliveryQueue, JobOutcome } from "../queue/types.js";
import { outcomeOf } from "../response.js";
import { createInstruments, type Instruments } from "./instruments.js";
import { type Api, otelApi } from "./otel-api.js";
import { fromTraceparent, toTraceparent } from "./traceparent.js";
import { type DeliveryNote, noTelemetry, type Telemetry, type TelemetryOptions } from "./types.js";

const SCOPE = "@webhook-kit/core";
const VERSION = "0.1.0";

/**
 * The receiver's telemetry: the global tracer and meter providers (or explicit ones), looked up per delivery
 * so an SDK started after `createReceiver` is still used. Without `@opentelemetry/api`, or with
 * `telemetry: false`, it is `noTelemetry`; with the API but no SDK registered, each delivery costs two
 * lookups and nothing else.
 */
export function createTelemetry(
  options: TelemetryOptions | false | undefined,
  provider: string,
  queue: DeliveryQueue | undefined,
): Telemetry {
  if (options === false) return noTelemetry;
  const api = otelApi();
  if (!api) {
    // Providers given but no API to drive them: say so now rather than export nothing, silently.
    if (options?.tracerProvider || options?.meterProvider) {
      throw invalidConfig(
        "telemetry: providers were given, but @opentelemetry/api could not be loaded from @webhook-kit/core. Install it as a dependency of your app (npm install @opentelemetry/api), or pass telemetry: false. Telemetry needs Node (20.16 or later).",
      );
    }
    return noTelemetry;
  }
  const tracer = tracerSource(api, options?.tracerProvider as TracerProvider | undefined);
  const instruments = instrumentSource(api, options?.meterProvider as MeterSource | undefined, (meter) =>
    createInstruments(meter, queue, provider),
  );
  const { SpanKind, SpanStatusCode } = api;
  const base = { "webhook.provider": provider };
  // Attribute sets reused per value: fewer objects per delivery for the SDK to take in.
  const byOutcome = memo((outcome) => ({ ...base, "webhook.outcome": outcome }));
  const byType = memo((type) => ({ ...base, "webhook.event.type": type }));

  const telemetry: Telemetry = {
    delivery(arrivedAt, decide) {
      const t = tracer();
      const m = instruments();
      if (!t && !m) return decide({});
      const note: DeliveryNote = {};
      let span: Span | undefined;
      const finish = (outcome: string, error?: unknown) => {
        if (m) {
          m.delivery(outcome);
          m.ack.record((performance.now() - arrivedAt) / 1000, byOutcome(outcome));
        }
        if (!span) return;
        const attributes: Attributes = { "webhook.outcome": outcome };
        if (note.type !== undefined) attributes["webhook.event.type"] = note.type;
        if (note.key !== undefined) attributes["webhook.delivery.id"] = note.key;
        if (error !== undefined) {
          attributes["error.type"] = outcome;
          span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        }
        span.setAttributes(attributes);
        span.end();
      };
      const run = () =>
        decide(note).then(
          (response) => {
            finish(outcomeOf(response));
            return response;
          },
          (error: unknown) => {
            finish(isWebhookError(error) ? error.code : "internal_error", error);
            throw error;
          },
        );
      if (!t) return run();
      const parent = api.context.active();
      // Inside the HTTP instrumentation's SERVER span: ours is INTERNAL. With no span active the kit is
      // the entry point of the trace, so its span is the SERVER span (never a second one).
      const kind = api.trace.getSpan(parent) ? SpanKind.INTERNAL : SpanKind.SERVER;
      span = t.startSpan(
        `webhook ${provider}`,
        { kind, attributes: base, startTime: performance.timeOrigin + arrivedAt },
        parent,
      );
      return api.context.with(api.trace.setSpan(parent, span), run);
    },

    jobTrace() {
      if (!tracer()) return undefined;
      const context = api.trace.getSpanContext(api.context.active());
      return context && api.isSpanContextValid(context) ? toTraceparent(context) : undefined;
    },

    handlers() {
      const t = tracer();
      const m = instruments();
      if (!t && !m) return undefined;
      return (route, event) => {
        const startedAt = performance.now();
        const attributes = { "webhook.event.type": event.type, "webhook.handler.id": route.id };
        const parent = api.context.active();
        const span = t?.startSpan(`handler ${route.id}`, { kind: SpanKind.INTERNAL, attributes }, parent);
        return {
          run: (call) => (span ? api.context.with(api.trace.setSpan(parent, span), call) : call()),
          end(failed, error) {
            const errorType = failed ? errorTypeOf(error) : undefined;
            const recorded: Attributes = errorType ? { ...attributes, "error.type": errorType } : attributes;
            m?.handler.record((performance.now() - startedAt) / 1000, recorded);
            if (!span) return;
            if (errorType) {
              if (error instanceof Error) span.recordException(error as Exception);
              span.setAttribute("error.type", errorType);
              span.setStatus({ code: SpanStatusCode.ERROR, message: errorType });
            }
            span.end();
          },
        };
      };
    },

    job(job, run) {
      const t = tracer();
      if (!t) return run();
      const { delivery } = job;
      const remote = fromTraceparent(delivery.trace, api.createTraceState);
      // The receiving span is the parent (one trace from request to handlers) and a link, as the
      // messaging conventions ask of a "process" span.
      const parent: Context = remote
        ? api.trace.setSpanContext(api.ROOT_CONTEXT, remote)
        : api.context.active();
      const span = t.startSpan(
        `process ${provider}`,
        {
          kind: SpanKind.CONSUMER,
          links: remote ? [{ context: remote }] : [],
          attributes: {
            ...base,
            "messaging.system": queueSystem(queue),
            "messaging.operation.type": "process",
            "messaging.operation.name": "process",
            "messaging.message.id": delivery.key,
            "webhook.event.type": delivery.type,
            "webhook.delivery.id": delivery.key,
            "event.attempt": job.attempt,
          },
        },
        parent,
      );
      return api.context.with(api.trace.setSpan(parent, span), run).then(
        (outcome) => {
          endJobSpan(span, outcome);
          return outcome;
        },
        (error: unknown) => {
          if (error instanceof Error) span.recordException(error as Exception);
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
          throw error;
        },
      );
    },

    delivered(type, lagSeconds) {
      instruments()?.lag.record(lagSeconds, byType(type));
    },
    deadLetter(reason) {
      instruments()?.deadLetters.add(1, { ...base, "webhook.dead_letter.reason": reason });
    },
    storeError(operation) {
      instruments()?.storeErrors.add(1, { ...base, "webhook.store.operation": operation });
    },
  };
  return telemetry;

  function endJobSpan(span: Span, outcome: JobOutcome) {
    span.setAttribute("webhook.outcome", outcome.status);
    if (outcome.status === "dead") {
      span.setAttribute("webhook.dead_letter.reason", outcome.reason ?? "attempts_exhausted");
      span.setAttribute("error.type", outcome.reason ?? "attempts_exhausted");
    }
    if (outcome.status === "retry" || outcome.status === "dead") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error });
    }
    span.end();
  }
}

/** One object per key, kept: keys are outcomes and event types, a bounded set. */
function memo(make: (key: string) => Attributes): (key: string) => Attributes {
  const made = new Map<string, Attributes>();
  return (key) => {
    let value = made.get(key);
    if (!value) {
      value = make(key);
      if (made.size < 1_000) made.set(key, value);
    }
    return value;
  };
}

/** A WebhookError's code (handler_timeout), else the exception's class name, as `error.type` asks. */
function errorTypeOf(error: unknown): string {
  if (isWebhookError(error)) return error.code;
  if (error instanceof Error) return error.name || error.constructor.name;
  return "_OTHER";
}

/** `messaging.system`: what the queue says it is (BullMQQueue: "bullmq"), else the kit's own. */
function queueSystem(queue: DeliveryQueue | undefined): string {
  return queue?.messagingSystem ?? "webhook_kit";
}

type MeterSource = { getMeter(name: string, version?: string): Meter };

/** The tracer to use now, or undefined when no SDK is registered (the API's no-op provider). */
function tracerSource(api: Api, explicit: TracerProvider | undefined): () => Tracer | undefined {
  const noop = new api.ProxyTracerProvider().getDelegate();
  let cached: { provider: TracerProvider; tracer: Tracer | undefined } | undefined;
  return () => {
    const global = explicit ?? api.trace.getTracerProvider();
    const provider =
      "getDelegate" in global ? (global as { getDelegate(): TracerProvider }).getDelegate() : global;
    if (cached?.provider !== provider) {
      cached = { provider, tracer: provider === noop ? undefined : provider.getTracer(SCOPE, VERSION) };
    }
    return cached.tracer;
  };
}

/**
 * The instruments of the meter provider in use now, created once per provider (the metrics API has no
 * proxy: a meter taken before the SDK registered would stay a no-op forever).
 */
function instrumentSource(
  api: Api,
  explicit: MeterSource | undefined,
  create: (meter: Meter) => Instruments,
): () => Instruments | undefined {
  const noop = api.createNoopMeter();
  let cached: { provider: MeterSource; instruments: Instruments | undefined } | undefined;
  return () => {
    const provider = explicit ?? api.metrics.getMeterProvider();
    if (cached?.provider !== provider) {
      const meter = provider.getMeter(SCOPE, VERSION);
      cached = { provider, instruments: meter === noop ? undefined : create(meter) };
    }
    return cached.instruments;
  };
}
