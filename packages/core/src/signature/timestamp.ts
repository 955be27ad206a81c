import { invalidConfig } from "../errors.js";
import { fail, type VerifyOutcome } from "./scheme.js";

/** Unix seconds as senders write them: 1–12 ASCII digits. "Infinity", "1e9", "-5" or " 1" are refused. */
export function parseUnixSeconds(text: string | undefined): number | undefined {
  if (text === undefined || !/^[0-9]{1,12}$/.test(text)) return undefined;
  return Number(text);
}

/** Whether a signed timestamp lies within ±`toleranceSeconds` of `nowMs` (the verify context's clock). */
export function withinTolerance(timestampSeconds: number, nowMs: number, toleranceSeconds: number): boolean {
  return Math.abs(nowMs / 1000 - timestampSeconds) <= toleranceSeconds;
}

/** A valid signature over a timestamp outside the window; `subject` names where the timestamp was read. */
export const outOfRange = (subject: string, toleranceSeconds: number): VerifyOutcome =>
  fail(
    "timestamp_out_of_range",
    `${subject} is more than ${toleranceSeconds} s away from this server's clock: a replayed delivery, or a clock out of sync (check NTP).`,
  );

/** 13 digits: a millisecond clock (2001–2286) where the sender's scheme defines seconds. */
export const looksLikeMilliseconds = (text: string): boolean => /^[0-9]{13}$/.test(text);

/** A valid signature over a millisecond timestamp: the window cannot be checked, so say which unit is due. */
export const inMilliseconds = (subject: string): VerifyOutcome =>
  fail(
    "timestamp_out_of_range",
    `${subject} looks like milliseconds (13 digits); this scheme signs Unix time in seconds. Make the sender write Math.floor(Date.now() / 1000).`,
  );

export const nowInSeconds = (): number => Math.floor(Date.now() / 1000);

/** Tolerance must be a non-negative number of seconds; Infinity turns the check off deliberately. */
export function checkTolerance(value: number | undefined, fallback: number, platform: string): number {
  if (value === undefined) return fallback;
  if (Number.isNaN(value) || value < 0) {
    throw invalidConfig("toleranceSeconds must be a non-negative number of seconds.", platform);
  }
  return value;
}
