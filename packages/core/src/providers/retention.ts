import { invalidConfig } from "../errors.js";
import { MINUTE } from "./time.js";
import { checkDuration, checkRetrySchedule, MAX_RETENTION_MS, MAX_SENDER_TIMEOUT_MS } from "./timing.js";

/**
 * How long a body-hash key must live: until the sender's last attempt has ended (every delay between
 * attempts, plus every attempt running into the sender's timeout), plus a margin of a quarter of that, at
 * least 10 min, for the sender's queueing and clock drift; rounded up to the minute. No longer: while the
 * key lives, a genuine event whose bytes equal an earlier one's is dropped as its duplicate.
 *
 * @example
 * retentionForSchedule([0, SECOND, 5 * SECOND, 30 * SECOND], 10 * SECOND); // EUDR: 12 min
 *
 * Throws `invalid_config` for a delay that is not a finite number ≥ 0, a timeout not in (0, 1 h], or a
 * schedule whose retention would pass `MAX_RETENTION_MS` (366 days).
 */
export function retentionForSchedule(
  delaysMs: readonly number[],
  timeoutMs: number,
  where = "retentionForSchedule",
): number {
  checkRetrySchedule(where, delaysMs);
  checkDuration(where, "timeoutMs", timeoutMs, MAX_SENDER_TIMEOUT_MS);
  const lastAttemptEnds = delaysMs.reduce((sum, delay) => sum + delay, 0) + delaysMs.length * timeoutMs;
  const margin = Math.max(lastAttemptEnds / 4, 10 * MINUTE);
  const retention = Math.ceil((lastAttemptEnds + margin) / MINUTE) * MINUTE;
  if (!(retention <= MAX_RETENTION_MS)) {
    throw invalidConfig(
      `retrySchedule implies a retention of more than ${MAX_RETENTION_MS} ms (366 days): its delays must add up to far less (they are ms, not µs), or set retentionMs (at most 366 days) yourself.`,
      where,
    );
  }
  return retention;
}
