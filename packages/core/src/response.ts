import type { WebhookError } from "./errors.js";
import type { WebhookResponse } from "./types.js";

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

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
  if (error.code === "method_not_allowed") headers.allow = "POST";
  const body: Record<string, unknown> = { error: error.code, message: error.message };
  if (error.issues) body.issues = error.issues;
  return jsonResponse(error.status, body, headers);
}
