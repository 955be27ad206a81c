import { invalidConfig } from "./errors.js";

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
export const DEFAULT_LEASE_MS = 30_000;
export const DEFAULT_STORE_TIMEOUT_MS = 2_000;
/** A handler still running after this fails its attempt (inline) or its job run (worker). */
export const DEFAULT_HANDLER_TIMEOUT_MS = 5 * 60_000;
/** Used when a provider does not document how long it waits. Most senders wait 10 s or more. */
export const DEFAULT_SENDER_TIMEOUT_MS = 10_000;

/** Answer before the sender gives up: its timeout minus 20 % (at least 2 s) for network and queues. */
export function deadlineFromTimeout(timeoutMs: number): number {
  return Math.max(1, timeoutMs - Math.max(2_000, Math.ceil(timeoutMs * 0.2)));
}

export function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw invalidConfig(`${name} must be a positive number of ms/bytes, got ${String(value)}.`);
  }
  return Math.floor(value);
}
