import type { PayloadIssue, QueuedDelivery } from "@webhook-kit/core";

/** Bumped when the stored shape changes; a worker refuses a version it does not know (dead letter). */
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
}

export type Decoded = { ok: true; job: StoredJob } | { ok: false; reason: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === "string");
const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** Checks job data read back from BullMQ field by field; says which field is wrong, never its value. */
export function decodeStoredJob(data: unknown): Decoded {
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
  const delivery: QueuedDelivery = {
    key: value.key as string,
    provider: value.provider as string,
    type: value.type as string,
    body: value.body as string,
    headers: value.headers as Record<string, string>,
    receivedAt: value.receivedAt,
  };
  if (value.senderAttempt !== undefined) delivery.senderAttempt = value.senderAttempt;
  return delivery;
}

function isIssueList(value: unknown): value is PayloadIssue[] {
  return (
    Array.isArray(value) &&
    value.every((i) => isRecord(i) && typeof i.path === "string" && typeof i.message === "string")
  );
}

/** One line, bounded: an error message as it is stored and listed (never a payload: callers pass messages). */
export function oneLine(message: string, max = 500): string {
  const line = message.replace(/\s*[\r\n]+\s*/g, " ").trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}
