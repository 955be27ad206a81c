import type { SignatureFailure } from "./signature/scheme.js";

/**
 * Stable error codes. docs/errors.md documents each one; never rename a code, only add.
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
  invalid_handshake: 400,
  origin_not_allowed: 403,
  store_unavailable: 503,
  secret_lookup_failed: 503,
  in_progress: 409,
  handler_failed: 500,
  handler_timeout: 500,
  claim_lost: 500,
  dead_letter: 500,
  worker_interrupted: 500,
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

/**
 * One wording for every adapter: `framework` names who read the body, `fix` the change for that framework
 * or path (default: the generic one).
 */
export function bodyConsumed(
  framework?: string,
  fix = "Mount the webhook before any body parser, or keep the raw bytes.",
): WebhookError {
  const by = framework === undefined ? "" : ` (by a body parser in ${framework})`;
  return new WebhookError(
    "body_already_consumed",
    `The request body was already read before the webhook receiver saw it${by}, and its exact bytes were not kept, so the signature cannot be checked. ${fix}`,
  );
}

/** An in-process store with every slot held by a running delivery: a capacity limit, not an outage. */
export class StoreFullError extends Error {
  override readonly name = "StoreFullError";
}

/** The operator reads the fix in `cause` (logged); the sender only learns to retry. */
export function storeUnavailable(cause: unknown): WebhookError {
  return new WebhookError(
    "store_unavailable",
    cause instanceof StoreFullError
      ? "This receiver is at capacity: every delivery it can track is still being processed; retry later."
      : "The idempotency store is unreachable, so this delivery cannot be deduplicated; retry later.",
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

/**
 * The endpoint's secret could not be looked up (the lookup threw, rejected, returned a malformed secret or
 * took longer than `storeTimeoutMs`): the sender retries; the operator reads the cause in the log.
 */
export function secretLookupFailed(cause: unknown): WebhookError {
  return new WebhookError(
    "secret_lookup_failed",
    "This endpoint's signing secret could not be looked up, so this delivery cannot be verified yet; retry later.",
    { cause, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
  );
}

/** An endpoint the receiver does not know, verified by a scheme that ignores looked-up keys: still refused. */
export function unknownEndpoint(): WebhookError {
  return signatureRejected(
    "invalid_signature",
    "The signature does not match this endpoint's secret. Check the endpoint URL and the signing secret of this endpoint.",
  );
}

/** A configuration mistake, found at start-up; `where` names the call or option to change. */
export function invalidConfig(message: string, where = "createReceiver"): WebhookError {
  return new WebhookError("invalid_config", `${where}: ${message}`);
}

export function invalidSecret(provider: string, what: string): WebhookError {
  return invalidConfig(
    `${what}. Pass the endpoint's signing secret from the platform's dashboard, e.g. secret: process.env.WEBHOOK_SECRET.`,
    provider,
  );
}

export function methodNotAllowed(method: string): WebhookError {
  return new WebhookError("method_not_allowed", `Webhooks are delivered with POST, not ${method}.`);
}

/** Names no path: a scanner learns nothing of where webhooks are received. */
export function notFound(): WebhookError {
  return new WebhookError("not_found", "Not found.");
}

export function ipNotAllowed(address: string | undefined): WebhookError {
  return new WebhookError(
    "ip_not_allowed",
    `The client address ${address ?? "(unknown)"} is not in the allow-list. Behind a proxy, make the adapter see the real client address (Express "trust proxy", Koa app.proxy = true with app.maxIpsCount = the number of proxies, Fastify trustProxy), or pass it to receiver.fetch(request, { remoteAddress }) in fetch runtimes.`,
  );
}

export function unsupportedEncoding(encoding: string): WebhookError {
  return new WebhookError(
    "unsupported_encoding",
    `Compressed bodies (Content-Encoding: ${encoding}) are not accepted: send webhooks uncompressed, or turn off request compression in the proxy in front of this endpoint.`,
  );
}

/** A signature scheme's refusal (401 codes); its message was worded by the scheme and names no secret. */
export function signatureRejected(code: SignatureFailure, message: string): WebhookError {
  return new WebhookError(code, message);
}

export function invalidPayload(message: string, issues: readonly PayloadIssue[]): WebhookError {
  return new WebhookError("invalid_payload", message, { issues });
}

/** A sender's verification request without what its platform always puts in it. */
export function invalidHandshake(handshake: string, message: string): WebhookError {
  return new WebhookError("invalid_handshake", `${handshake}: ${message}`);
}

/** A CloudEvents validation request from an origin the receiver was not told to accept. */
export function originNotAllowed(origin: string): WebhookError {
  // The header is anyone's text: echo at most 100 printable ASCII characters of it, in the answer and the logs.
  const printable = origin.replace(/[^\x20-\x7e]/g, "?");
  const shown = printable.length > 100 ? `${printable.slice(0, 100)}…` : printable;
  return new WebhookError(
    "origin_not_allowed",
    `WebHook-Request-Origin ${JSON.stringify(shown)} is not in this endpoint's allowedOrigins: no consent is given to deliveries from it. If this sender is expected, add its origin to allowedOrigins of cloudEventsValidation().`,
  );
}

export function schemaMismatch(type: string, issues: readonly PayloadIssue[]): WebhookError {
  return invalidPayload(`The ${type} payload does not match its schema.`, issues);
}

export function inProgress(retryAfterMs: number): WebhookError {
  return new WebhookError("in_progress", "This delivery is being processed right now; retry later.", {
    retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)),
  });
}

export function handlerTimeout(id: string, type: string, ms: number): WebhookError {
  return new WebhookError(
    "handler_timeout",
    `Handler ${id} for ${type} did not settle within handlerTimeoutMs (${ms} ms); its attempt counts as failed.`,
  );
}

/** `cause` gathers every handler's error; the message names none of them (they may hold payload data). */
export function handlerFailed(
  failed: number,
  total: number,
  type: string,
  released: boolean,
  cause: AggregateError,
): WebhookError {
  return new WebhookError(
    "handler_failed",
    `${failed} of ${total} handler(s) for ${type} failed; ${released ? "the delivery was released so the sender's retry runs it again" : "the claim could not be released and frees when its lease expires"}. The errors are in your logger and onError.`,
    { cause },
  );
}

export function claimLost(key: string): WebhookError {
  return new WebhookError(
    "claim_lost",
    `The claim on ${key} was no longer ours when it completed (its lease expired and was taken over, or the store lost it): a redelivery of this event may run its handlers again. Raise leaseMs above your slowest handler, and give Redis persistence.`,
  );
}

export function deadLetter(message: string, cause?: unknown, issues?: readonly PayloadIssue[]): WebhookError {
  return new WebhookError("dead_letter", message, issues ? { cause, issues } : { cause });
}

export function workerInterrupted(key: string, cuts: number, attempt: number): WebhookError {
  return new WebhookError(
    "worker_interrupted",
    `Run ${attempt} of ${key} was cut ${cuts === 1 ? "" : `${cuts} times `}before it stored an outcome (its worker died, was killed past its shutdown grace, or lost the job's lock): it counts as a failed attempt and the job is retried with backoff. Give workers a shutdown grace longer than your slowest handler, and keep lockDurationMs above your longest event-loop stall.`,
  );
}

export function internalError(): WebhookError {
  return new WebhookError("internal_error", "Unexpected error; see the receiver's logs.");
}
