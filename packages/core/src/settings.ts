import { type CryptoProvider, defaultCrypto } from "./crypto.js";
import { WebhookError } from "./errors.js";
import { compileAllowList } from "./ip.js";
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_SENDER_TIMEOUT_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  deadlineFromTimeout,
  positiveInteger,
} from "./limits.js";
import type { AckMode, ReceiverOptions } from "./options.js";
import type { EventSchemas, Provider } from "./provider.js";
import { MemoryStore } from "./store/memory.js";
import type { IdempotencyStore } from "./store/types.js";
import type { Logger } from "./types.js";

const noop = () => {};
const silent: Logger = { debug: noop, info: noop, warn: noop, error: noop };

export interface Settings<E extends EventSchemas> {
  provider: Provider<E>;
  store: IdempotencyStore;
  logger: Logger;
  now: () => number;
  crypto: CryptoProvider;
  ack: AckMode;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  ackDeadlineMs: number;
  retentionMs: number;
  leaseMs: number;
  storeTimeoutMs: number;
  isAllowed: ((address: string | undefined) => boolean) | undefined;
}

/** Validates the options once, at start-up, and fills every default from the provider or the kit. */
export function resolveSettings<E extends EventSchemas>(options: ReceiverOptions<E>): Settings<E> {
  const provider = options.provider;
  if (provider?.kind !== "webhook-kit/provider") {
    throw new WebhookError(
      "invalid_config",
      "createReceiver: `provider` must be a preset such as providers.eulabel({ secret }) or the result of defineProvider().",
    );
  }
  if (options.ack !== undefined && options.ack !== "after-handlers" && options.ack !== "immediate") {
    throw new WebhookError("invalid_config", `createReceiver: ack must be "after-handlers" or "immediate".`);
  }
  const store: IdempotencyStore = options.store ?? new MemoryStore();
  const logger = options.logger ?? silent;
  const now = options.now ?? Date.now;
  const crypto: CryptoProvider = options.crypto ?? defaultCrypto();
  const ack = options.ack ?? "after-handlers";
  const maxBodyBytes = positiveInteger("maxBodyBytes", options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES);
  const bodyTimeoutMs = positiveInteger("bodyTimeoutMs", options.bodyTimeoutMs, DEFAULT_BODY_TIMEOUT_MS);
  const ackDeadlineMs = positiveInteger(
    "ackDeadlineMs",
    options.ackDeadlineMs,
    deadlineFromTimeout(provider.timeoutMs ?? DEFAULT_SENDER_TIMEOUT_MS),
  );
  const retentionMs = positiveInteger(
    "retentionMs",
    options.retentionMs,
    provider.retentionMs ?? DEFAULT_RETENTION_MS,
  );
  const leaseMs = positiveInteger("leaseMs", options.leaseMs, provider.leaseMs ?? DEFAULT_LEASE_MS);
  const storeTimeoutMs = positiveInteger("storeTimeoutMs", options.storeTimeoutMs, DEFAULT_STORE_TIMEOUT_MS);
  const allowList = options.allowedIps === false ? undefined : (options.allowedIps ?? provider.allowedIps);
  const isAllowed = allowList && allowList.length > 0 ? compileAllowList(allowList) : undefined;

  return {
    provider,
    store,
    logger,
    now,
    crypto,
    ack,
    maxBodyBytes,
    bodyTimeoutMs,
    ackDeadlineMs,
    retentionMs,
    leaseMs,
    storeTimeoutMs,
    isAllowed,
  };
}
