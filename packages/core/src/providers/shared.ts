import type { DeliveryContext } from "../provider.js";

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** A user override of how one delivery is identified. */
export type IdempotencyKeyFn = (
  delivery: DeliveryContext & { type: string },
) => string | undefined | Promise<string | undefined>;

/**
 * For senders with no per-delivery id: the event type plus the SHA-256 of the exact body. A retry
 * repeats the body byte for byte (the signature covers those bytes, so the sender must keep or
 * regenerate them identically), while two distinct events differ in at least their timestamp or data.
 */
export const bodyHashKey: IdempotencyKeyFn = async ({ type, rawBody, sha256Hex }) =>
  `${type}:${await sha256Hex(rawBody)}`;

/** The first non-empty string among the candidates (signed body fields before unsigned headers). */
export function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === "string" && value.length > 0) return value;
  return undefined;
}
