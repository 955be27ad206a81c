import type { WebhookError } from "./errors.js";
import type { WebhookResponse } from "./types.js";

const JSON_TYPE = "application/json; charset=utf-8";
const JSON_HEADERS = { "content-type": JSON_TYPE };

/** Every success body the kit answers: typed, so clients (the CLI, tests) read fields, not text. */
export type Acknowledgement =
  | { received: true }
  | { received: true; duplicate: true }
  | { received: true; handled: false }
  | { received: true; stale: true }
  | { received: true; status: "processing" | "queued" };

const ACKS = {
  handled: [200, JSON.stringify({ received: true })],
  duplicate: [200, JSON.stringify({ received: true, duplicate: true })],
  unhandled: [200, JSON.stringify({ received: true, handled: false })],
  stale: [200, JSON.stringify({ received: true, stale: true })],
  processing: [202, JSON.stringify({ received: true, status: "processing" })],
  queued: [202, JSON.stringify({ received: true, status: "queued" })],
} as const satisfies Record<string, readonly [number, string]>;

/** What an acknowledgement of a webhook-kit receiver meant, by name: `AckOutcome`. */
export type AckOutcome = keyof typeof ACKS;

/**
 * The response header that names the outcome of every webhook-kit acknowledgement. A foreign receiver
 * may answer `{"received":true}` too; only this header lets a client (the CLI's `send`) say handlers ran.
 */
export const OUTCOME_HEADER = "webhook-kit-outcome";

/** A success answer's outcome (`handled`, `duplicate`, …), read back from its body, for telemetry. */
const OUTCOMES = new Map<string, string>(Object.entries(ACKS).map(([outcome, [, body]]) => [body, outcome]));

/** The outcome a response of `acknowledge` stands for; "answered" for any other body. */
export function outcomeOf(response: WebhookResponse): string {
  return OUTCOMES.get(response.body) ?? "answered";
}

/**
 * The acknowledgement for one outcome; bodies are serialised once, at load.
 *
 * @example
 * return acknowledge("duplicate"); // 200 {"received":true,"duplicate":true}
 */
export function acknowledge(outcome: AckOutcome): WebhookResponse {
  const [status, body] = ACKS[outcome];
  return { status, headers: { "content-type": JSON_TYPE, [OUTCOME_HEADER]: outcome }, body };
}

export function jsonResponse(
  status: number,
  body: object,
  headers: Record<string, string> = {},
): WebhookResponse {
  return { status, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

/** The small JSON error body of the contract: `{ error, message, issues? }` — never the payload. */
export function errorResponse(
  error: WebhookError,
  extraHeaders: Record<string, string> = {},
): WebhookResponse {
  const headers: Record<string, string> = { ...extraHeaders };
  if (error.retryAfterSeconds !== undefined) headers["retry-after"] = String(error.retryAfterSeconds);
  if (error.code === "method_not_allowed") headers.allow ??= "POST";
  const body: Record<string, unknown> = { error: error.code, message: error.message };
  if (error.issues) body.issues = error.issues;
  return jsonResponse(error.status, body, headers);
}
