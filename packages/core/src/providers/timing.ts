import { invalidConfig } from "../errors.js";
import { HOUR } from "./time.js";

/**
 * The longest a completed key may be kept: 366 days. Every sender's retry schedule ends far sooner (the
 * longest preset keeps 96 h), a store's expiry (Redis `PX`, PostgreSQL intervals) stays well inside its
 * range, and a value past it is a unit mistake (µs or s taken for ms), not a choice.
 */
export const MAX_RETENTION_MS = 366 * 24 * HOUR;
/** The longest a sender may wait for an answer: 1 hour (senders wait seconds; a timer past 2³¹ ms fires at once). */
export const MAX_SENDER_TIMEOUT_MS = HOUR;
/** The longest an in-progress claim holds unrenewed: 1 hour (it is renewed every third of it while handlers run). */
export const MAX_LEASE_MS = HOUR;

const described = (value: unknown): string =>
  typeof value === "number" ? String(value) : `a ${value === null ? "null" : typeof value}`;

const DAYS = (ms: number) => `${ms / (24 * HOUR)} days`;
const range = (max: number) => (max % (24 * HOUR) === 0 ? DAYS(max) : `${max / HOUR} hour`);

/** A duration in ms, finite, > 0 and ≤ `max`; `invalid_config` naming the field and the range otherwise. */
export function checkDuration(where: string, name: string, value: unknown, max: number): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > max) {
    throw invalidConfig(
      `${name} must be a finite number of ms greater than 0 and at most ${max} (${range(max)}), got ${described(value)}.`,
      where,
    );
  }
  return value;
}

/** The delay before each attempt: finite numbers of ms ≥ 0. */
export function checkRetrySchedule(where: string, schedule: unknown): readonly number[] {
  if (!Array.isArray(schedule)) {
    throw invalidConfig(
      `retrySchedule must be an array of delays in ms (finite numbers ≥ 0, the first 0), got ${described(schedule)}.`,
      where,
    );
  }
  // A plain loop, not forEach: forEach skips the holes of a sparse array ([0, , 60_000]).
  for (let index = 0; index < schedule.length; index++) {
    const delay: unknown = schedule[index];
    if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0) {
      throw invalidConfig(
        `retrySchedule[${index}] must be a finite number of ms ≥ 0, got ${described(delay)}.`,
        where,
      );
    }
  }
  return schedule;
}

interface Timing {
  timeoutMs?: number | undefined;
  retrySchedule?: readonly number[] | undefined;
  retentionMs?: number | undefined;
  leaseMs?: number | undefined;
}

/** Checks a provider's timing facts, each when given; throws `invalid_config` naming the field and its range. */
export function checkTiming(where: string, timing: Timing): void {
  if (timing.timeoutMs !== undefined)
    checkDuration(where, "timeoutMs", timing.timeoutMs, MAX_SENDER_TIMEOUT_MS);
  if (timing.retrySchedule !== undefined) checkRetrySchedule(where, timing.retrySchedule);
  if (timing.retentionMs !== undefined)
    checkDuration(where, "retentionMs", timing.retentionMs, MAX_RETENTION_MS);
  if (timing.leaseMs !== undefined) checkDuration(where, "leaseMs", timing.leaseMs, MAX_LEASE_MS);
}
