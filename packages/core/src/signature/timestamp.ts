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

/** A clock finer than seconds, told by its digit count between 2001 and 2286: what a sender wrote by mistake. */
export type FinerUnit = "milliseconds" | "microseconds";

/** 13 digits: milliseconds; 16 digits: microseconds (2001–2286 both); anything else: undefined. */
export function finerUnit(text: string): FinerUnit | undefined {
  if (/^[0-9]{13}$/.test(text)) return "milliseconds";
  if (/^[0-9]{16}$/.test(text)) return "microseconds";
  return undefined;
}

/**
 * A valid signature over a timestamp in a finer unit than seconds: the window cannot be checked, so say
 * which unit is due. Only ever answered after the signature matched: a forged one stays invalid_signature.
 */
export const inFinerUnit = (subject: string, unit: FinerUnit): VerifyOutcome =>
  fail(
    "timestamp_out_of_range",
    `${subject} looks like ${unit} (${unit === "milliseconds" ? 13 : 16} digits); this scheme signs Unix time in seconds. Make the sender write Math.floor(Date.now() / 1000).`,
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
