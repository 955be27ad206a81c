/**
 * New events from fixed fixtures. Fixtures are fixed bytes, and every preset recognises a redelivery by
 * something those bytes carry (the body's hash, `evt_…`, or a header id): sending one twice is, correctly, a
 * duplicate. A fresh copy gets what the platform makes new for every event (its registry entry's `fresh`).
 */
import type { Json } from "./platforms/define.js";
import { messageId } from "./platforms/define.js";
import { platformFor } from "./platforms/index.js";
import { isoMs, randomAlphanumeric } from "./platforms/values.js";

export interface FreshOptions {
  /** The event time, ms since epoch. Default: now. */
  now?: number;
}

let last = 0;
/** Now, but never the same millisecond twice in one process: body-hash keys need every event's bytes to differ. */
function tick(): number {
  last = Math.max(Date.now(), last + 1);
  return last;
}

/** For providers without a registry entry (your own `defineProvider`): a top-level `id` and the usual time fields. */
function guess(payload: Json, now: number): Json {
  const out: Json = { ...payload };
  if (typeof out.id === "string") {
    const cut = out.id.lastIndexOf("_");
    out.id = `${cut > 0 ? out.id.slice(0, cut + 1) : ""}${randomAlphanumeric(20).toLowerCase()}`;
  }
  for (const field of ["timestamp", "created_at", "createdAt", "occurred_at", "occurredAt"]) {
    if (typeof out[field] === "string") out[field] = isoMs(now);
  }
  if (typeof out.created === "number") out.created = Math.floor(now / 1000);
  return out;
}

/**
 * A copy of a fixture that the receiver sees as a new event: new ids and timestamps where the platform puts
 * them, as its registry entry's `fresh` says (Stripe: `evt_…`, `created`; EUDR: the `timestamp` its body-hash
 * key covers; …). Unknown providers get a best guess (a top-level `id` with its prefix kept, `timestamp` /
 * `created_at` / `created`).
 *
 * @example
 * await sendDelivery(url, stripe, freshPayload("stripe", fixtures.stripe["invoice.paid"])); // runs
 * await sendDelivery(url, stripe, freshPayload("stripe", fixtures.stripe["invoice.paid"])); // runs again
 */
export function freshPayload<T extends object>(
  providerName: string,
  payload: T,
  options: FreshOptions = {},
): T {
  const now = options.now ?? tick();
  const fresh = platformFor(providerName)?.fresh ?? guess;
  // A deep copy first: nested objects shared with the global fixtures would let one test's edits leak.
  return fresh(structuredClone(payload) as Json, now) as T;
}

/** A delivery id in the provider's platform's format (GitHub: a GUID; others: `msg_…`) from 32 hex digits. */
export const deliveryIdFrom = (providerName: string, hex: string): string =>
  (platformFor(providerName)?.deliveryId ?? messageId)(hex);

/**
 * A delivery id that is the same for the same provider and body, in the platform's format (GitHub: a
 * GUID; others: `msg_…`): what a redelivery carries, for `--same`.
 *
 * @example
 * const id = await stableDeliveryId("github", bodyText); // same text → same X-GitHub-Delivery
 */
export async function stableDeliveryId(providerName: string, body: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${providerName}\n${body}`);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
  return deliveryIdFrom(
    providerName,
    Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join(""),
  );
}
