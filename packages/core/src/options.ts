import type { CryptoProvider } from "./crypto.js";
import type { WebhookError } from "./errors.js";
import type { WebhookEvent } from "./events.js";
import type { EventSchemas, Provider } from "./provider.js";
import type { IdempotencyStore } from "./store/types.js";
import type { Logger } from "./types.js";

export type AckMode = "after-handlers" | "immediate";

export interface ReceiverOptions<E extends EventSchemas> {
  /** A preset (`providers.eulabel({ secret })`) or `defineProvider(...)`. */
  provider: Provider<E>;
  /** Idempotency state. Default: a new in-process `MemoryStore`. */
  store?: IdempotencyStore;
  /** "after-handlers" (default): answer when handlers finish or at the deadline. "immediate": 202 once claimed. */
  ack?: AckMode;
  /** Answer 202 when handlers run past this. Default: the sender's timeout minus a margin. */
  ackDeadlineMs?: number;
  /** Default 1 MiB. Larger bodies get 413 before they are buffered. */
  maxBodyBytes?: number;
  /** A body that has not fully arrived this long after the headers is cut off with 408. Default 10 s. */
  bodyTimeoutMs?: number;
  /** CIDR strings. Default: the provider's published list, if any. `false` turns a provider's list off. */
  allowedIps?: readonly string[] | false;
  /** A completed key is remembered this long. Default: the provider's (≥ 24 h). */
  retentionMs?: number;
  /** An in-progress claim holds this long without renewal. Default: the provider's, else 30 s. Renewed while handlers run. */
  leaseMs?: number;
  /** A store call that takes longer fails with 503 store_unavailable. Default 2 s. */
  storeTimeoutMs?: number;
  /** pino-compatible logger. Default: silent. Never receives a secret, a signature or the payload. */
  logger?: Logger;
  /** Failures after the response was sent (handlers past the deadline, background handlers, store errors). */
  onError?: (error: WebhookError, event?: WebhookEvent) => void;
  /** Injectable clock (ms since epoch). */
  now?: () => number;
  /** Injectable crypto. Default: node:crypto where present, else Web Crypto. */
  crypto?: CryptoProvider;
}
