import type { Acknowledgement, AckOutcome } from "@webhook-kit/core";

/**
 * What a 2xx meant. A sender counts every 2xx as delivered, but a webhook-kit receiver says in its body
 * whether anything ran: `{ duplicate: true }` (a redelivery: no handler ran), `{ handled: false }` (no
 * handler for that type), `{ status: "processing" }` (202: handlers still running), `{ status: "queued" }`
 * (202: accepted into a durable queue; workers run the handlers). Only a webhook-kit receiver's own
 * `webhook-kit-outcome` header can say `handled`: a foreign `{"received":true}` is just `delivered`.
 */
export type DeliveryOutcome =
  /** 2xx with `webhook-kit-outcome: handled`: a webhook-kit receiver's handlers ran and succeeded. */
  | "handled"
  /** 202 `{ status: "processing" }`: acknowledged; handlers still running past the ack deadline or `ack: "immediate"`. */
  | "processing"
  /** 202 `{ status: "queued" }`: written to the receiver's durable queue; its workers run the handlers later. */
  | "queued"
  /** 2xx `{ duplicate: true }`: the receiver already had this delivery; nothing ran. */
  | "duplicate"
  /** 2xx `{ handled: false }`: no handler for this event type; nothing ran. */
  | "unhandled"
  /** 2xx `{ stale: true }`: older than the last version applied for its entity (`ordering`); nothing ran. */
  | "stale"
  /** Another 2xx (a receiver that is not webhook-kit, e.g. `{"received":true}`): delivered, nothing more is known. */
  | "delivered"
  /** No 2xx: an error status, a network error or a timeout. */
  | "failed";

type KeysOf<T> = T extends unknown ? keyof T : never;
type AckField = KeysOf<Acknowledgement>;

const ACK_OUTCOMES: ReadonlySet<string> = new Set<AckOutcome>([
  "handled",
  "duplicate",
  "unhandled",
  "stale",
  "processing",
  "queued",
]);

/**
 * Classifies one answer. `outcomeHeader` is the response's `webhook-kit-outcome` header: a webhook-kit
 * receiver names its outcome there, and only then is a 2xx `"handled"`.
 *
 * @example
 * deliveryOutcome(200, '{"received":true,"duplicate":true}'); // "duplicate"
 * deliveryOutcome(200, '{"received":true}'); // "delivered": any server may answer that
 * deliveryOutcome(200, '{"received":true}', "handled"); // "handled"
 */
export function deliveryOutcome(
  status: number | undefined,
  body = "",
  outcomeHeader?: string | null,
): DeliveryOutcome {
  if (status === undefined || status < 200 || status >= 300) return "failed";
  if (outcomeHeader && ACK_OUTCOMES.has(outcomeHeader)) return outcomeHeader as AckOutcome;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return "delivered";
  }
  if (!parsed || typeof parsed !== "object") return "delivered";
  // Field names come from core's Acknowledgement type: renaming one there fails to compile here.
  const answer = parsed as Partial<Record<AckField, unknown>>;
  // Bodies that say nothing ran (or not yet) are trusted without the header: no false reassurance there.
  if (answer.duplicate === true) return "duplicate";
  if (answer.handled === false) return "unhandled";
  if (answer.stale === true) return "stale";
  if (answer.status === "processing") return "processing";
  if (answer.status === "queued") return "queued";
  return "delivered";
}
