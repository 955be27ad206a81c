import type { AckOutcome } from "@webhook-kit/core";

/**
 * What a 2xx meant. A sender counts every 2xx as delivered, but a webhook-kit receiver names what it did in
 * its `webhook-kit-outcome` response header: handled, duplicate (a redelivery: no handler ran), unhandled
 * (no handler for that type), stale, processing (202: handlers still running), queued (202: accepted into a
 * durable queue). Only that header is read: a 2xx without it is `delivered`, whatever its body says, since a
 * foreign server may answer `{"received":true,"status":"queued"}` and mean something else. A 3xx is
 * `redirected`: webhook senders do not follow redirects.
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
  /** 3xx: the receiver answered with a redirect; senders do not follow it, so nothing was delivered. */
  | "redirected"
  /** No 2xx: an error status, a network error or a timeout. */
  | "failed";

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
 * receiver names its outcome there, and only then is a 2xx anything more than `"delivered"`.
 *
 * @example
 * deliveryOutcome(200, '{"received":true,"duplicate":true}', "duplicate"); // "duplicate"
 * deliveryOutcome(200, '{"received":true,"duplicate":true}'); // "delivered": no header, body unproven
 * deliveryOutcome(200, '{"received":true}', "handled"); // "handled"
 * deliveryOutcome(302); // "redirected"
 */
export function deliveryOutcome(
  status: number | undefined,
  _body = "",
  outcomeHeader?: string | null,
): DeliveryOutcome {
  if (status !== undefined && status >= 300 && status < 400) return "redirected";
  if (status === undefined || status < 200 || status >= 300) return "failed";
  if (outcomeHeader && ACK_OUTCOMES.has(outcomeHeader)) return outcomeHeader as AckOutcome;
  // Without our header the body proves nothing: any server can answer `{"duplicate":true}` or
  // `{"status":"queued"}`, and reading it would name what a foreign receiver never said.
  return "delivered";
}
