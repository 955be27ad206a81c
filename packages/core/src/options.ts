import type { CryptoProvider } from "./crypto.js";
import type { WebhookError } from "./errors.js";
import type { AnyEvent, WebhookEvent } from "./events.js";
import type { OrderingOptions, StaleInfo } from "./ordering/types.js";
import type { EventSchemas, Provider } from "./providers/define.js";
import type { DeliveryQueue } from "./queue/types.js";
import type { DeliveryHead } from "./signature/secrets.js";
import type { IdempotencyStore } from "./store/types.js";
import type { TelemetryOptions } from "./telemetry/types.js";
import type { Logger } from "./types.js";

export type AckMode = "after-handlers" | "immediate";

// The kit's defaults, beside the options they fill (settings.ts resolves them; the docs quote them).
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** Endpoints whose looked-up secrets are kept, and for how long (a found secret; an unknown endpoint). */
export const DEFAULT_SECRET_CACHE_MAX = 10_000;
export const DEFAULT_SECRET_TTL_MS = 5 * 60_000;
/** A handler still running after this fails its attempt (inline) or its job run (worker). */
export const DEFAULT_HANDLER_TIMEOUT_MS = 5 * 60_000;
export { DEFAULT_SENDER_TIMEOUT_MS } from "./providers/time.js";

export interface ReceiverOptions<E extends EventSchemas> {
  /** A preset (`providers.eulabel({ secret })`) or `defineProvider(...)`. */
  provider: Provider<E>;
  /** Idempotency state. Default: a new in-process `MemoryStore`. */
  store?: IdempotencyStore;
  /**
   * Durable dispatch: verified deliveries are written to this queue and answered 202 once it confirmed the
   * write; `receiver.work()` runs the handlers, with retries and dead letters. `MemoryQueue` is in process
   * and not durable; `BullMQQueue` (@webhook-kit/bullmq) is.
   */
  queue?: DeliveryQueue;
  /**
   * With a queue: request headers to keep in each job besides `content-type` and those the provider reads
   * (its `deliveryHeaders`: delivery id, event, timestamp…), e.g. `["x-tenant"]`; a worker's `event.headers`
   * holds only these. A signature header or a name that looks like a credential is refused (invalid_config).
   */
  queuedHeaders?: readonly string[];
  /** A queue write that takes longer fails with 503 store_unavailable and the claim is released. Default 2 s. */
  queueTimeoutMs?: number;
  /**
   * With a queue: "park" (default) accepts a verified delivery that fails its schema as a dead letter
   * (202), to replay once the schema is fixed; "reject" answers 400 invalid_payload. Without a queue: "reject".
   */
  invalidPayload?: "park" | "reject";
  /**
   * Without a queue. "after-handlers" (default): answer when handlers finish or at the deadline.
   * "immediate": 202 once claimed, handlers run in this process — not durable: a crash loses them (use `queue`).
   */
  ack?: AckMode;
  /**
   * Answer 202 when handlers run past this, counted from the request's arrival. Default: the sender's timeout
   * minus a margin. Not durable: handlers still running then are lost if the process dies (use `queue`).
   */
  ackDeadlineMs?: number;
  /** A handler running longer fails (handler_timeout) and its delivery is retried. Default 5 min. */
  handlerTimeoutMs?: number;
  /** Default 1 MiB. Larger bodies get 413 before they are buffered. */
  maxBodyBytes?: number;
  /** A body that has not fully arrived this long after the headers is cut off with 408. Default 10 s. */
  bodyTimeoutMs?: number;
  /**
   * CIDR strings. Default: the provider's published list, if any. `false` turns a provider's list off; an
   * empty list, or anything but an array, is `invalid_config` (it would otherwise let every address in).
   */
  allowedIps?: readonly string[] | false;
  /**
   * Prefix of every idempotency key (and job id). Default: the provider's name. Two endpoints that share one
   * store (two senders on the same preset) need different namespaces.
   */
  namespace?: string;
  /** A completed key is remembered this long (ms, at most 366 days). Default: the provider's. */
  retentionMs?: number;
  /** An in-progress claim holds this long without renewal (ms, at most 1 h). Default: the provider's, else 30 s. Renewed while handlers run. */
  leaseMs?: number;
  /** A store call that takes longer fails with 503 store_unavailable. Default 2 s. */
  storeTimeoutMs?: number;
  /**
   * pino-compatible logger. Default: warnings and errors (with stacks) to stderr; `false` silences it.
   * Never receives a secret, a signature or the payload.
   */
  logger?: Logger | false;
  /** Failures after the response was sent (handlers past the deadline, background handlers, dead letters, lost claims). */
  onError?: (error: WebhookError, event?: WebhookEvent) => void;
  /**
   * The stale-event guard: an event older than the last one applied for its entity is acknowledged without
   * running its handlers (inline: 200 `{ received: true, stale: true }`; queued: the job completes as stale).
   * `true`: the preset's declared entity and version (`invalid_config` when it declares none);
   * `{ entity, version }`: your own; `false`: off. Default: on with a `queue` for a preset that declares
   * them (workers run jobs in any order), else off. Needs a store with `latestVersion`/`advanceVersion`.
   */
  ordering?: boolean | OrderingOptions<E>;
  /** Called for each stale event skipped by `ordering`, after it was logged. */
  onStale?: (event: AnyEvent<E>, info: StaleInfo) => void;
  /**
   * OpenTelemetry (needs `@opentelemetry/api` installed): spans and metrics through the global tracer and
   * meter providers by default, or the ones given here; `false` turns it off. Without an SDK registered it
   * costs nothing. See docs/operations.md.
   */
  telemetry?: TelemetryOptions | false;
  /**
   * Names the endpoint (tenant) of a delivery from its head, e.g. `({ params }) => params?.tenant` for a route
   * `/webhooks/:tenant`, or `({ headers }) => headers["x-webhook-id"]`. Needed when the provider's secret is
   * a function (it is the cache key of its results); it also scopes idempotency keys (two tenants' identical
   * delivery ids never collide) and is `event.tenant`. No tenant (undefined, "" or over 128 characters):
   * answered 401 invalid_signature, as a wrong secret is.
   */
  tenant?: (head: DeliveryHead) => string | undefined;
  /**
   * The cache of looked-up secrets, one entry per tenant (LRU): `max` known tenants (default 10 000) and as
   * many unknown ones in a separate LRU, a found secret kept `ttlMs` (default 5 min), an unknown endpoint
   * `unknownTtlMs` (default: `ttlMs`). Drop an entry at
   * once with `receiver.secrets.forget(tenant)` after a rotation.
   */
  secretCache?: { max?: number; ttlMs?: number; unknownTtlMs?: number };
  /** Injectable clock (ms since epoch). */
  now?: () => number;
  /** Injectable crypto. Default: node:crypto where present, else Web Crypto. */
  crypto?: CryptoProvider;
}
