import { invalidPayload } from "../errors.js";
import type { DeliveryContext } from "./define.js";

export { HOUR, MINUTE, SECOND } from "./time.js";

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
