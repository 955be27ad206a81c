import { MINUTE } from "./time.js";

/**
 * How long a body-hash key must live: until the sender's last attempt has ended (every delay between
 * attempts, plus every attempt running into the sender's timeout), plus a margin of a quarter of that, at
 * least 10 min, for the sender's queueing and clock drift; rounded up to the minute. No longer: while the
 * key lives, a genuine event whose bytes equal an earlier one's is dropped as its duplicate.
 *
 * @example
 * retentionForSchedule([0, SECOND, 5 * SECOND, 30 * SECOND], 10 * SECOND); // EUDR: 12 min
 */
export function retentionForSchedule(delaysMs: readonly number[], timeoutMs: number): number {
  const lastAttemptEnds = delaysMs.reduce((sum, delay) => sum + delay, 0) + delaysMs.length * timeoutMs;
  const margin = Math.max(lastAttemptEnds / 4, 10 * MINUTE);
  return Math.ceil((lastAttemptEnds + margin) / MINUTE) * MINUTE;
}
