import { WebhookError } from "./errors.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** Used when a provider does not document how long it waits. Most senders wait 10 s or more. */
export const DEFAULT_SENDER_TIMEOUT_MS = 10_000;
export const STORE_RETRY_AFTER_SECONDS = 5;

/** Answer before the sender gives up: its timeout minus 20 % (at least 2 s) for network and queues. */
export function deadlineFromTimeout(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.max(2_000, Math.ceil(timeoutMs * 0.2)));
}

export function tooLarge(limit: number): WebhookError {
  return new WebhookError(
    "payload_too_large",
    `The body is larger than maxBodyBytes (${limit} bytes). If this sender legitimately sends larger deliveries, raise maxBodyBytes in createReceiver().`,
  );
}

export function bodyTimeout(ms: number): WebhookError {
  return new WebhookError(
    "body_timeout",
    `The body did not arrive within bodyTimeoutMs (${ms} ms) after the headers. Slow or stalled uploads are cut off to keep memory bounded.`,
  );
}

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new WebhookError(
      "invalid_config",
      `createReceiver: ${name} must be a positive number of ms/bytes, got ${String(value)}.`,
    );
  }
  return Math.floor(value);
}
