import { invalidPayload } from "../errors.js";
import type { DeliveryContext } from "../provider.js";

export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/**
 * How long a body-hash key must live: until the sender's last attempt has ended (every delay between
 * attempts, plus every attempt running into the sender's timeout), plus a margin of a quarter of that, at
 * least 10 min, for the sender's queueing and clock drift; rounded up to the minute. No longer: while the
 * key lives, a genuine event whose bytes equal an earlier one's is dropped as its duplicate.
 *
 * @example
 * retentionForSchedule([0, SECOND, 5 * SECOND, 30 * SECOND], 10 * SECOND); // EUDR: 12 min
 */
export function retentionForSchedule(delaysMs: readonly number[], timeoutMs: number): number {
  const lastAttemptEnds = delaysMs.reduce((sum, delay) => sum + delay, 0) + delaysMs.length * timeoutMs;
  const margin = Math.max(lastAttemptEnds / 4, 10 * MINUTE);
  return Math.ceil((lastAttemptEnds + margin) / MINUTE) * MINUTE;
}

/** EUlabel's published schedule (EUlabel's outbound webhooks docs), delays between attempts: immediate, 30 s, 2 min, 15 min, 1 h, 4 h. */
export const EULABEL_RETRY_DELAYS_MS = [0, 30 * SECOND, 2 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR] as const;

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

/**
 * The event type from signed body fields only. An unsigned header (X-Webhook-Event) never routes: a captured
 * body could otherwise be replayed under any type name, and so under a fresh key. When only that header
 * names a type, the refusal says why and what the sender must change.
 */
export function signedType(
  candidates: readonly unknown[],
  fields: string,
  headers: Readonly<Record<string, string>>,
): string | undefined {
  const type = firstString(...candidates);
  if (type === undefined && headers["x-webhook-event"] !== undefined) {
    throw invalidPayload(
      `The signed body names no event type (${fields}). The X-Webhook-Event header is not signed, so it is never used to route: anyone could replay this body under another type. Put the type in the body the sender signs, or describe the sender with defineProvider.`,
      [{ path: fields.split(" ")[0]!.replaceAll('"', ""), message: "missing event type in the signed body" }],
    );
  }
  return type;
}
