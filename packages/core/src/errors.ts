/**
 * Stable error codes. The README's error table documents each one; never rename a code, only add.
 */
export const ERROR_CODES = {
  not_found: 404,
  method_not_allowed: 405,
  ip_not_allowed: 403,
  payload_too_large: 413,
  body_timeout: 408,
  body_aborted: 400,
  body_already_consumed: 500,
  unsupported_encoding: 415,
  missing_signature: 401,
  invalid_signature: 401,
  timestamp_out_of_range: 401,
  invalid_payload: 400,
  store_unavailable: 503,
  in_progress: 409,
  handler_failed: 500,
  handler_timeout: 500,
  claim_lost: 500,
  dead_letter: 500,
  invalid_config: 500,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PayloadIssue {
  path: string;
  message: string;
}

/**
 * Every failure the kit reports is a WebhookError with a stable `code`. Messages say how to fix the
 * problem and never contain a secret, an expected signature or the payload.
 *
 * @example
 * // In a custom provider hook: refuse with a stable code and a message that says how to fix it.
 * throw new WebhookError("invalid_payload", "The order id is missing.", { issues: [{ path: "orderId", message: "required" }] });
 */
export class WebhookError extends Error {
  override readonly name = "WebhookError";
  readonly code: ErrorCode;
  readonly status: number;
  readonly issues: readonly PayloadIssue[] | undefined;
  /** Seconds a sender should wait before retrying (503 / 409). */
  readonly retryAfterSeconds: number | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; issues?: readonly PayloadIssue[]; retryAfterSeconds?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code];
    this.issues = options.issues;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/**
 * @example
 * receiver = createReceiver({ provider, onError: (e) => isWebhookError(e) && metrics.increment(e.code) });
 */
export function isWebhookError(value: unknown): value is WebhookError {
  return value instanceof WebhookError;
}

/** Seconds a sender is asked to wait when the store or the queue could not answer. */
export const STORE_RETRY_AFTER_SECONDS = 5;

// Builders: every message the kit answers or reports lives here, worded once.

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

export function bodyAborted(cause?: unknown): WebhookError {
  return new WebhookError("body_aborted", "The client aborted or truncated the upload.", { cause });
}

export function bodyConsumed(framework = "the framework", mountHint = ""): WebhookError {
  return new WebhookError(
    "body_already_consumed",
    `The request body was already read by a body parser in ${framework}, and its exact bytes were not kept, so the signature cannot be checked. Mount the webhook before any body parser, or keep the raw bytes. ${mountHint}`.trim(),
  );
}

export function storeUnavailable(cause: unknown): WebhookError {
  return new WebhookError(
    "store_unavailable",
    "The idempotency store is unreachable, so this delivery cannot be deduplicated; retry later.",
    { cause, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
  );
}

export function queueUnavailable(cause: unknown): WebhookError {
  return new WebhookError(
    "store_unavailable",
    "The delivery queue did not confirm the write, so this delivery was not accepted; retry later.",
    { cause, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
  );
}

export function invalidConfig(message: string): WebhookError {
  return new WebhookError("invalid_config", `createReceiver: ${message}`);
}
