import type { Logger } from "../types.js";
import { otelApi } from "./otel-api.js";

/**
 * Adds `trace_id`, `span_id` and `trace_flags` (the field names pino's OpenTelemetry instrumentation uses)
 * to each line logged while a span is active, so a log line leads to its trace. The logger itself when the
 * API is absent or telemetry is off.
 */
export function withTraceFields(logger: Logger, off: boolean): Logger {
  const api = off ? undefined : otelApi();
  if (!api) return logger;
  const fields = (obj: object): object => {
    const context = api.trace.getSpanContext(api.context.active());
    if (!context || !api.isSpanContextValid(context)) return obj;
    return {
      ...obj,
      trace_id: context.traceId,
      span_id: context.spanId,
      trace_flags: `0${context.traceFlags.toString(16)}`.slice(-2),
    };
  };
  return {
    debug: (obj, msg) => logger.debug(fields(obj), msg),
    info: (obj, msg) => logger.info(fields(obj), msg),
    warn: (obj, msg) => logger.warn(fields(obj), msg),
    error: (obj, msg) => logger.error(fields(obj), msg),
  };
}
