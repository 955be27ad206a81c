import { type CryptoProvider, defaultCrypto } from "./crypto.js";
import { jobHeaderNames } from "./dispatch/job-headers.js";
import { invalidConfig } from "./errors.js";
import { compileAllowList } from "./ip.js";
import { consoleLogger, safeLogger, silentLogger } from "./logger.js";
import {
  type AckMode,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_SECRET_CACHE_MAX,
  DEFAULT_SECRET_TTL_MS,
  DEFAULT_SENDER_TIMEOUT_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  type ReceiverOptions,
} from "./options.js";
import { type Ordering, resolveOrdering } from "./ordering/resolve.js";
import type { OrderingOptions, StaleInfo } from "./ordering/types.js";
import type { EventSchemas, Provider } from "./providers/define.js";
import { checkShape } from "./providers/shape.js";
import { checkDuration, checkTiming, MAX_LEASE_MS, MAX_RETENTION_MS } from "./providers/timing.js";
import type { DeliveryQueue } from "./queue/types.js";
import type { DeliveryHead } from "./signature/secrets.js";
import { MemoryStore } from "./store/memory.js";
import type { IdempotencyStore } from "./store/types.js";
import { withTraceFields } from "./telemetry/log-fields.js";
import type { TelemetryOptions } from "./telemetry/types.js";
import type { Logger } from "./types.js";

export interface Settings<E extends EventSchemas> {
  provider: Provider<E>;
  namespace: string;
  store: IdempotencyStore;
  queue: DeliveryQueue | undefined;
  /** Validate the schema at the door (400) rather than in the worker (dead letter). */
  rejectInvalid: boolean;
  logger: Logger;
  now: () => number;
  crypto: CryptoProvider;
  ack: AckMode;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  ackDeadlineMs: number;
  handlerTimeoutMs: number;
  retentionMs: number;
  leaseMs: number;
  storeTimeoutMs: number;
  queueTimeoutMs: number;
  /** The request headers a queued job keeps (lower-case): see `jobHeaderNames`. */
  queuedHeaders: readonly string[];
  isAllowed: ((address: string | undefined) => boolean) | undefined;
  /** The stale-event guard (`ordering`), when on. */
  ordering: Ordering | undefined;
  telemetry: TelemetryOptions | false | undefined;
  /** Names each delivery's endpoint (`tenant` option), when set. */
  tenant: ((head: DeliveryHead) => string | undefined) | undefined;
  secretCache: { max: number; ttlMs: number; unknownTtlMs: number };
}

/** Answer before the sender gives up: its timeout minus 20 % (at least 2 s) for network and queues. */
export function deadlineFromTimeout(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.max(2_000, Math.ceil(timeoutMs * 0.2)));
}

/** Node's longest timer (≈ 24.8 days): a longer one fires at once, so a bigger duration would mean "now". */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** What `positiveInteger` counts: a count must be whole; ms and bytes are rounded down (at least 1). */
export type Unit = "ms" | "bytes" | "count";

/**
 * A positive option, or `fallback` when not given. `where` prefixes the message as `invalidConfig` does
 * ("createReceiver", "work"), so each caller's refusal reads in its own words.
 */
export function positiveInteger(
  name: string,
  value: number | undefined,
  fallback: number,
  unit: Unit = "ms",
  where = "createReceiver",
): number {
  if (value === undefined) return fallback;
  const whole = unit !== "count" || Number.isInteger(value);
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS || !whole) {
    const what =
      unit === "count"
        ? `a positive integer, at most ${MAX_TIMER_MS}`
        : unit === "bytes"
          ? `a positive number of bytes, at most ${MAX_TIMER_MS}`
          : `a positive number of ms, at most ${MAX_TIMER_MS} (≈ 24.8 days, Node's longest timer)`;
    const got = typeof value === "string" ? `a string (${JSON.stringify(value)})` : String(value);
    throw invalidConfig(`${name} must be ${what}; got ${got}.`, where);
  }
  return Math.max(1, Math.floor(value));
}

/** An option bounded above (retention, lease): the option when given, else the provider's (already checked). */
function boundedDuration(name: string, value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  return Math.max(1, Math.floor(checkDuration("createReceiver", name, value, max)));
}

/** Validates the options once, at start-up, and fills every default from the provider or the kit. */
export function resolveSettings<E extends EventSchemas>(options: ReceiverOptions<E>): Settings<E> {
  const provider = options.provider;
  if (provider?.kind !== "webhook-kit/provider") {
    throw invalidConfig(
      "`provider` must be a preset such as providers.eulabel({ secret }) or the result of defineProvider().",
    );
  }
  if (options.ack !== undefined && options.ack !== "after-handlers" && options.ack !== "immediate") {
    throw invalidConfig(`ack must be "after-handlers" or "immediate".`);
  }
  const queue = options.queue;
  if (queue && options.ack !== undefined) {
    throw invalidConfig(
      "ack applies without a queue only: with `queue`, every delivery is answered 202 once queued.",
    );
  }
  if (
    options.invalidPayload !== undefined &&
    options.invalidPayload !== "park" &&
    options.invalidPayload !== "reject"
  ) {
    throw invalidConfig(`invalidPayload must be "park" or "reject".`);
  }
  if (options.invalidPayload === "park" && !queue) {
    throw invalidConfig(`invalidPayload: "park" needs a queue to park dead letters in; pass \`queue\`.`);
  }
  if (options.queuedHeaders !== undefined && !queue) {
    throw invalidConfig(
      "queuedHeaders applies with a queue only: without one, handlers get every request header in the request's process.",
    );
  }
  // A provider built without defineProvider (a spread preset with an override) is checked here too.
  // Named only when the name is a string: anything else could be an object that cannot print, or a secret.
  const label = `createReceiver: provider${typeof provider.name === "string" ? ` "${provider.name}"` : ""}`;
  checkShape(label, provider);
  checkTiming(label, provider);
  const namespace = options.namespace ?? provider.name;
  if (typeof namespace !== "string" || namespace === "" || namespace.length > 64) {
    throw invalidConfig("namespace must be a non-empty string of at most 64 characters.");
  }
  const telemetry = telemetryOption(options.telemetry);
  const logger =
    options.logger === false
      ? silentLogger
      : withTraceFields(safeLogger(options.logger ?? consoleLogger), telemetry === false);
  const allowList = options.allowedIps === false ? undefined : (options.allowedIps ?? provider.allowedIps);
  const storeTimeoutMs = positiveInteger("storeTimeoutMs", options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS);
  const store = options.store ?? new MemoryStore();
  const retentionMs = boundedDuration(
    "retentionMs",
    options.retentionMs,
    Math.ceil(provider.retentionMs ?? DEFAULT_RETENTION_MS),
    MAX_RETENTION_MS,
  );
  const ordering = resolveOrdering({
    ordering: options.ordering as boolean | OrderingOptions<never> | undefined,
    onStale: options.onStale as ((event: never, info: StaleInfo) => void) | undefined,
    provider: provider as Provider<EventSchemas>,
    store,
    queued: queue !== undefined,
    namespace,
    retentionMs,
  });
  const tenant = options.tenant;
  if (tenant !== undefined && typeof tenant !== "function") {
    throw invalidConfig(
      'tenant must be a function of the delivery\'s head, e.g. tenant: ({ params }) => params?.tenant or ({ headers }) => headers["x-webhook-id"].',
    );
  }
  if (provider.signature?.secretLookup && tenant === undefined) {
    throw invalidConfig(
      `the "${String(provider.name)}" secret is a function, so each delivery needs its endpoint named: pass tenant, e.g. tenant: ({ params }) => params?.tenant (a route /webhooks/:tenant) or ({ headers }) => headers["x-webhook-id"]. It keys the secret cache and the idempotency keys.`,
    );
  }
  const cache = options.secretCache ?? {};
  if (typeof cache !== "object" || cache === null) {
    throw invalidConfig("secretCache must be an object: { max?, ttlMs?, unknownTtlMs? }.");
  }
  const ttlMs = positiveInteger("secretCache.ttlMs", cache.ttlMs, DEFAULT_SECRET_TTL_MS);
  const secretCache = {
    max: positiveInteger("secretCache.max", cache.max, DEFAULT_SECRET_CACHE_MAX, "count"),
    ttlMs,
    // By default as long as a known one: a shorter life would let response times tell unknown from known.
    unknownTtlMs: positiveInteger("secretCache.unknownTtlMs", cache.unknownTtlMs, ttlMs),
  };
  return {
    provider,
    namespace,
    store,
    queue,
    rejectInvalid: !queue || options.invalidPayload === "reject",
    logger,
    now: options.now ?? Date.now,
    crypto: options.crypto ?? defaultCrypto(),
    ack: options.ack ?? "after-handlers",
    maxBodyBytes: positiveInteger("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES, "bytes"),
    bodyTimeoutMs: positiveInteger("bodyTimeoutMs", options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS),
    ackDeadlineMs: positiveInteger(
      "ackDeadlineMs",
      options.ackDeadlineMs,
      deadlineFromTimeout(provider.timeoutMs ?? DEFAULT_SENDER_TIMEOUT_MS),
    ),
    handlerTimeoutMs: positiveInteger(
      "handlerTimeoutMs",
      options.handlerTimeoutMs,
      DEFAULT_HANDLER_TIMEOUT_MS,
    ),
    retentionMs,
    leaseMs: boundedDuration(
      "leaseMs",
      options.leaseMs,
      Math.ceil(provider.leaseMs ?? DEFAULT_LEASE_MS),
      MAX_LEASE_MS,
    ),
    storeTimeoutMs,
    queueTimeoutMs: positiveInteger("queueTimeoutMs", options.queueTimeoutMs, storeTimeoutMs),
    queuedHeaders: queue ? jobHeaderNames(provider, options.queuedHeaders) : [],
    // Anything but an array (a Set, a string, true) is refused by compileAllowList, never read as "no list".
    isAllowed: allowList === undefined ? undefined : compileAllowList(allowList),
    ordering,
    telemetry,
    tenant,
    secretCache,
  };
}

function telemetryOption(value: unknown): TelemetryOptions | false | undefined {
  if (value === undefined || value === false) return value;
  if (typeof value !== "object" || value === null) {
    throw invalidConfig("telemetry must be false or { tracerProvider?, meterProvider? }.");
  }
  const { tracerProvider, meterProvider, ...rest } = value as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) {
    throw invalidConfig(
      `telemetry: unknown option "${unknown}"; the options are tracerProvider, meterProvider.`,
    );
  }
  if (
    tracerProvider !== undefined &&
    typeof (tracerProvider as { getTracer?: unknown }).getTracer !== "function"
  ) {
    throw invalidConfig("telemetry.tracerProvider must be an OpenTelemetry TracerProvider (with getTracer).");
  }
  if (
    meterProvider !== undefined &&
    typeof (meterProvider as { getMeter?: unknown }).getMeter !== "function"
  ) {
    throw invalidConfig("telemetry.meterProvider must be an OpenTelemetry MeterProvider (with getMeter).");
  }
  return value as TelemetryOptions;
}
