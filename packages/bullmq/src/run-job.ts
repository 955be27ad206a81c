import type { JobContext, JobOutcome, JobProcessor, QueueReport } from "@webhook-kit/core";
import { DelayedError, Job, UnrecoverableError } from "bullmq";
import type { JobQueue } from "./backends.js";
import { keyFromJobId } from "./job-id.js";
import { storableData } from "./storable.js";
import { decodeStoredJob, encodeStoredJob, newerVersion, oneLine, type StoredJob } from "./stored-job.js";

/** Retry delay when the processor throws instead of returning an outcome (it must not, but it is not lost). */
export const THROWN_RETRY_DELAY_MS = 1_000;

/** How long a job stored by a newer release waits before it is offered again (to a newer worker, by then). */
export const NEWER_VERSION_DELAY_MS = 30_000;

/** How a dead letter whose stored data cannot be read says so (the CLI and `listDeadLetters` show it). */
export const UNDECODABLE = "stored job data cannot be decoded";

/**
 * Runs one BullMQ job through the worker policy's processor and stores its outcome: completed → BullMQ's
 * completed set (kept for the retention); retry → data updated (attempt + 1, done, last error), then the job
 * is delayed; dead → data updated (done, error, issues), then failed without retry (BullMQ's failed set =
 * the dead letters).
 *
 * BullMQ never fails a job for stalling (the queue sets an unreachable `maxStalledCount`): a run cut by a
 * crash or a lost lock shows here as a stall counter above the job's baseline, and the processor decides it
 * like any failed attempt (`QueueJob.interrupted`).
 */
export async function runJob(
  job: Job<StoredJob>,
  token: string | undefined,
  processor: JobProcessor,
  report: (report: QueueReport) => void = () => {},
) {
  const key = keyFromJobId(job.id ?? "");
  const version = newerVersion(job.data);
  if (version !== undefined) {
    // A rolling deploy: a newer receiver wrote it. Never park it here; a newer worker will take it.
    report({ kind: "newer_version", key, version, retryInMs: NEWER_VERSION_DELAY_MS });
    await job.moveToDelayed(Date.now() + NEWER_VERSION_DELAY_MS, token);
    throw new DelayedError();
  }
  const decoded = decodeStoredJob(job.data);
  if (!decoded.ok) {
    report({ kind: "dead_letter", key, error: `${UNDECODABLE}: ${decoded.reason}` });
    throw new UnrecoverableError(`${UNDECODABLE}: ${decoded.reason}`);
  }
  const stored = decoded.job;
  const stalls = job.stalledCounter ?? 0;
  const cuts = Math.max(0, stalls - (stored.stallsSeen ?? 0));
  // Each cut run counts as one attempt: the processor now decides the last of them.
  const attempt = cuts > 0 ? stored.attempt + cuts - 1 : stored.attempt;

  // Progress writes are chained (they land in call order) and merged into what is stored now: a run that
  // lost its lock and still finishes handlers adds to the list of the run that took the job over, never
  // replaces it.
  let done: readonly string[] = stored.done;
  let writes: Promise<unknown> = Promise.resolve();
  const context: JobContext = {
    recordProgress(next) {
      const snapshot = [...next];
      const write = writes.then(async () => {
        const base = (await reread(job))?.stored ?? stored;
        const merged = [...new Set([...base.done, ...snapshot])];
        await job.updateData(encodeStoredJob({ ...base, done: merged }));
        done = snapshot;
      });
      writes = write.catch(() => {});
      return write;
    },
  };

  let outcome: JobOutcome;
  try {
    outcome = await processor(
      cuts > 0
        ? { delivery: stored.delivery, attempt, done: [...stored.done], interrupted: cuts }
        : { delivery: stored.delivery, attempt, done: [...stored.done] },
      context,
    );
  } catch (error) {
    await writes;
    const message = error instanceof Error ? error.message : String(error);
    outcome = { status: "retry", delayMs: THROWN_RETRY_DELAY_MS, error: `processor threw: ${message}`, done };
  }
  await writes;

  if (outcome.status === "completed") {
    // The return value is stored with the completion in one step: what ran is visible in bull-board.
    return storableData({ done: [...outcome.done] });
  }
  // This run lost the job (its lock expired and another run took it): its outcome is not the job's.
  const now = await reread(job);
  if (now !== undefined && now.stalls !== stalls)
    throw new Error(`run ${attempt} of ${key} lost its lock; the run that took the job over decides it`);
  const current = now?.stored;
  const { issues: _, reason: _r, ...rest } = current ?? stored;
  const merged = [...new Set([...(current?.done ?? []), ...outcome.done])];
  if (outcome.status === "wait") {
    // Its entity is busy (perEntity): back after the delay, the attempt count unchanged. A wait follows no
    // cut run (those are decided first), so the stall baseline is already current: write only new progress.
    if (merged.length !== (current ?? stored).done.length)
      await job.updateData(encodeStoredJob({ ...rest, done: merged, stallsSeen: stalls }));
    await job.moveToDelayed(Date.now() + Math.max(0, outcome.delayMs), token);
    throw new DelayedError();
  }
  if (outcome.status === "retry") {
    const next: StoredJob = {
      ...rest,
      attempt: attempt + 1,
      done: merged,
      lastError: oneLine(outcome.error),
      stallsSeen: stalls,
    };
    await job.updateData(encodeStoredJob(next));
    await job.moveToDelayed(Date.now() + Math.max(0, outcome.delayMs), token);
    // Tells the BullMQ worker the job was moved on purpose: it must not complete or fail it.
    throw new DelayedError();
  }
  const dead: StoredJob = {
    ...rest,
    attempt,
    done: merged,
    lastError: oneLine(outcome.error),
    stallsSeen: stalls,
  };
  if (outcome.issues !== undefined) dead.issues = outcome.issues.map((i) => ({ ...i }));
  dead.reason = outcome.reason ?? "attempts_exhausted";
  await job.updateData(encodeStoredJob(dead));
  throw new UnrecoverableError(oneLine(outcome.error));
}

/** The job as stored now (another run may have changed it): its data when it decodes, its stall count. */
async function reread(
  job: Job<StoredJob>,
): Promise<{ stored: StoredJob | undefined; stalls: number } | undefined> {
  const fresh = await Job.fromId<StoredJob>(queueOf(job), job.id ?? "");
  if (fresh === undefined) return undefined;
  const decoded = decodeStoredJob(fresh.data);
  return { stored: decoded.ok ? decoded.job : undefined, stalls: fresh.stalledCounter ?? 0 };
}

/** BullMQ keeps the job's queue handle protected; `Job.fromId` needs it to read the job again. */
const queueOf = (job: Job<StoredJob>) => (job as unknown as { queue: JobQueue }).queue;
