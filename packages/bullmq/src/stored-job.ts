import type { DeadLetterReason, PayloadIssue, QueuedDelivery } from "@webhook-kit/core";
import { displayable, readableData, storableData } from "./storable.js";

/**
 * Bumped when the stored shape changes incompatibly. A worker leaves a job of a higher version for a newer
 * worker (rolling deploys), and parks (and reports) one it cannot read at all.
 */
export const STORED_JOB_VERSION = 1;

/**
 * The BullMQ job data of one delivery. Everything the worker policy needs between runs lives here, so any
 * worker on any machine can pick the job up: the attempt number of the next run, the handlers already done,
 * and the last error. `nonce` tells the enqueue that wrote the job apart from a later duplicate enqueue.
 */
export interface StoredJob {
  v: typeof STORED_JOB_VERSION;
  nonce: string;
  delivery: QueuedDelivery;
  /** The number of the next (or current) run: 1 on the first, +1 per retry, 1 again after a replay. */
  attempt: number;
  done: string[];
  lastError?: string;
  issues?: PayloadIssue[];
  /** Why a dead letter was parked (set with the dead outcome, dropped by a replay). */
  reason?: DeadLetterReason;
  /**
   * BullMQ's stall counter of this job when its current attempt began. BullMQ only ever counts stalls up
   * (never per attempt, never on retry): the runs cut since are `job.stalledCounter - stallsSeen`.
   * Absent on jobs written before it: 0.
   */
  stallsSeen?: number;
}

/** The job data as written to BullMQ: strings PostgreSQL or UTF-8 cannot hold are escaped (`toStorable`). */
export function encodeStoredJob(job: StoredJob): StoredJob {
  return storableData(job);
}

/** The version a job says it is, when it is a number above this worker's: it is for a newer worker. */
export function newerVersion(data: unknown): number | undefined {
  if (!isRecord(data)) return undefined;
  const v = data.v;
  return typeof v === "number" && Number.isSafeInteger(v) && v > STORED_JOB_VERSION ? v : undefined;
}

const REASONS: readonly string[] = [
  "attempts_exhausted",
  "invalid_payload",
  "undecodable",
  "no_handler",
  "wrong_endpoint",
] satisfies readonly DeadLetterReason[];
const isDeadLetterReason = (value: string): value is DeadLetterReason => REASONS.includes(value);

export type Decoded = { ok: true; job: StoredJob } | { ok: false; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Checks job data read back from BullMQ field by field; says which field is wrong, never its value. */
export function decodeStoredJob(stored: unknown): Decoded {
  const data = readableData(stored);
  const fail = (reason: string): Decoded => ({ ok: false, reason });
  if (!isRecord(data)) return fail("job data is not an object");
  if (data.v !== STORED_JOB_VERSION)
    return fail(
      `job data version is ${JSON.stringify(data.v)}, this worker reads version ${STORED_JOB_VERSION}`,
    );
  if (typeof data.nonce !== "string") return fail("nonce is not a string");
  if (!isCount(data.attempt) || data.attempt < 1) return fail("attempt is not a positive integer");
  if (!isStringArray(data.done)) return fail("done is not a list of handler ids");
  if (data.lastError !== undefined && typeof data.lastError !== "string")
    return fail("lastError is not a string");
  if (data.issues !== undefined && !isIssueList(data.issues))
    return fail("issues is not a list of {path, message}");
  if (data.stallsSeen !== undefined && !isCount(data.stallsSeen)) return fail("stallsSeen is not a count");
  if (data.reason !== undefined && !(typeof data.reason === "string" && isDeadLetterReason(data.reason)))
    return fail("reason is not a dead-letter reason");
  const delivery = decodeDelivery(data.delivery);
  if (typeof delivery === "string") return fail(delivery);
  const job: StoredJob = {
    v: STORED_JOB_VERSION,
    nonce: data.nonce,
    delivery,
    attempt: data.attempt,
    done: data.done,
  };
  if (data.lastError !== undefined) job.lastError = data.lastError;
  if (data.issues !== undefined) job.issues = data.issues;
  if (data.stallsSeen !== undefined) job.stallsSeen = data.stallsSeen;
  if (data.reason !== undefined) job.reason = data.reason as DeadLetterReason;
  return { ok: true, job };
}

function decodeDelivery(value: unknown): QueuedDelivery | string {
  if (!isRecord(value)) return "delivery is not an object";
  for (const field of ["key", "provider", "type", "body"] as const)
    if (typeof value[field] !== "string") return `delivery.${field} is not a string`;
  if (!isRecord(value.headers) || !Object.values(value.headers).every((v) => typeof v === "string"))
    return "delivery.headers is not a map of strings";
  if (!isCount(value.receivedAt)) return "delivery.receivedAt is not a timestamp";
  if (value.senderAttempt !== undefined && !isCount(value.senderAttempt))
    return "delivery.senderAttempt is not a count";
  if (value.retentionMs !== undefined && !(typeof value.retentionMs === "number" && value.retentionMs >= 0))
    return "delivery.retentionMs is not a duration";
  if (value.trace !== undefined && !isTrace(value.trace))
    return "delivery.trace is not { traceparent, tracestate? } of strings";
  if (value.tenant !== undefined && !(typeof value.tenant === "string" && value.tenant !== ""))
    return "delivery.tenant is not a non-empty string";
  const delivery: QueuedDelivery = {
    key: value.key as string,
    provider: value.provider as string,
    type: value.type as string,
    body: value.body as string,
    headers: value.headers as Record<string, string>,
    receivedAt: value.receivedAt,
  };
  if (value.senderAttempt !== undefined) delivery.senderAttempt = value.senderAttempt;
  if (value.retentionMs !== undefined) delivery.retentionMs = value.retentionMs;
  // Only the two W3C values are copied: a job never carries other headers through this field.
  if (isTrace(value.trace)) {
    delivery.trace = { traceparent: value.trace.traceparent };
    if (value.trace.tracestate !== undefined) delivery.trace.tracestate = value.trace.tracestate;
  }
  if (value.tenant !== undefined) delivery.tenant = value.tenant as string;
  return delivery;
}

/** W3C trace context as the receiver stores it (bounded: a traceparent is 55 characters). */
function isTrace(value: unknown): value is { traceparent: string; tracestate?: string } {
  if (!isRecord(value)) return false;
  const { traceparent, tracestate } = value;
  return (
    typeof traceparent === "string" &&
    traceparent.length <= 64 &&
    (tracestate === undefined || (typeof tracestate === "string" && tracestate.length <= 512))
  );
}

function isIssueList(value: unknown): value is PayloadIssue[] {
  return (
    Array.isArray(value) &&
    value.every((i) => isRecord(i) && typeof i.path === "string" && typeof i.message === "string")
  );
}

/** One line, bounded: an error message as it is stored and listed (never a payload: callers pass messages). */
export function oneLine(message: string, max = 500): string {
  // Stored as text too (BullMQ's failed reason): no U+0000 or lone surrogate, which PostgreSQL refuses.
  const line = displayable(message)
    .replace(/\s*[\r\n]+\s*/g, " ")
    .trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
