import type { SpanContext, TraceState } from "@opentelemetry/api";
import type { QueuedTrace } from "../queue/types.js";

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const INVALID_TRACE = "0".repeat(32);
const INVALID_SPAN = "0".repeat(16);

/**
 * A span context as W3C `traceparent` (+ `tracestate`): what a queued job keeps of its receiving span.
 * Written here, not through the global propagator: an app that registered a tracer provider without one
 * must still get one trace across receiver and worker.
 */
export function toTraceparent(context: SpanContext): QueuedTrace {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, "0");
  const trace: QueuedTrace = { traceparent: `00-${context.traceId}-${context.spanId}-${flags}` };
  const state = context.traceState?.serialize();
  if (state) trace.tracestate = state;
  return trace;
}

/** The remote span context a job carries, or undefined when it carries none (or a malformed one). */
export function fromTraceparent(
  trace: QueuedTrace | undefined,
  createTraceState: ((raw: string) => TraceState) | undefined,
): SpanContext | undefined {
  const match = trace ? TRACEPARENT.exec(trace.traceparent) : null;
  if (!match || !trace) return undefined;
  const [, traceId = "", spanId = "", flags = "00"] = match;
  if (traceId === INVALID_TRACE || spanId === INVALID_SPAN) return undefined;
  const context: SpanContext = { traceId, spanId, traceFlags: Number.parseInt(flags, 16), isRemote: true };
  if (trace.tracestate && createTraceState) context.traceState = createTraceState(trace.tracestate);
  return context;
}
