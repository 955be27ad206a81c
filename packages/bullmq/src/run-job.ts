import type { JobContext, JobOutcome, JobProcessor } from "@webhook-kit/core";
import { DelayedError, type Job, UnrecoverableError } from "bullmq";
import { decodeStoredJob, oneLine, type StoredJob } from "./stored-job.js";

/** Retry delay when the processor throws instead of returning an outcome (it must not, but it is not lost). */
export const THROWN_RETRY_DELAY_MS = 1_000;

/** How a dead letter whose stored data cannot be read says so (the CLI and `listDeadLetters` show it). */
export const UNDECODABLE = "stored job data cannot be decoded";

/**
 * Runs one BullMQ job through the worker policy's processor and stores its outcome: completed → BullMQ's
 * completed set (kept for the retention); retry → data updated (attempt + 1, done, last error), then the job
 * is delayed; dead → data updated (done, error, issues), then failed without retry (BullMQ's failed set =
 * the dead letters).
 */
export async function runJob(job: Job<StoredJob>, token: string | undefined, processor: JobProcessor) {
  const decoded = decodeStoredJob(job.data);
  if (!decoded.ok) throw new UnrecoverableError(`${UNDECODABLE}: ${decoded.reason}`);
  const stored = decoded.job;
  // Progress writes are chained: each one stores the whole job data, so they must land in call order.
  let done: readonly string[] = stored.done;
  let writes: Promise<unknown> = Promise.resolve();
  const context: JobContext = {
    recordProgress(next) {
      const snapshot = [...next];
      const write = writes.then(async () => {
        await job.updateData({ ...stored, done: snapshot });
        done = snapshot;
      });
      writes = write.catch(() => {});
      return write;
    },
  };

  let outcome: JobOutcome;
  try {
    outcome = await processor(
      { delivery: stored.delivery, attempt: stored.attempt, done: [...stored.done] },
      context,
    );
  } catch (error) {
    await writes;
    const message = error instanceof Error ? error.message : String(error);
    outcome = { status: "retry", delayMs: THROWN_RETRY_DELAY_MS, error: `processor threw: ${message}`, done };
  }
  await writes;

  switch (outcome.status) {
    case "completed":
      // The return value is stored with the completion in one step: what ran is visible in bull-board.
      return { done: [...outcome.done] };
    case "retry": {
      const { issues: _, ...rest } = stored;
      const next: StoredJob = {
        ...rest,
        attempt: stored.attempt + 1,
        done: [...outcome.done],
        lastError: oneLine(outcome.error),
      };
      await job.updateData(next);
      await job.moveToDelayed(Date.now() + Math.max(0, outcome.delayMs), token);
      // Tells the BullMQ worker the job was moved on purpose: it must not complete or fail it.
      throw new DelayedError();
    }
    case "wait": {
      // Its entity is busy (perEntity): back after the delay, the attempt count unchanged.
      if (outcome.done.length !== stored.done.length)
        await job.updateData({ ...stored, done: [...outcome.done] });
      await job.moveToDelayed(Date.now() + Math.max(0, outcome.delayMs), token);
      throw new DelayedError();
    }
    case "dead": {
      const { issues: _, ...rest } = stored;
      const dead: StoredJob = { ...rest, done: [...outcome.done], lastError: oneLine(outcome.error) };
      if (outcome.issues !== undefined) dead.issues = outcome.issues.map((i) => ({ ...i }));
      await job.updateData(dead);
      throw new UnrecoverableError(oneLine(outcome.error));
    }
  }
}
