import { describe, expect, it } from "vitest";
import { comparableVersion } from "../../packages/core/src/ordering/version.js";

describe("comparableVersion: numbers numerically, timestamps by instant", () => {
  it("numbers and decimal strings compare as numbers (10 > 9, not as text)", () => {
    expect(comparableVersion(10)).toBeGreaterThan(comparableVersion(9)!);
    expect(comparableVersion("10")).toBeGreaterThan(comparableVersion("9")!);
    expect(comparableVersion("-3.5")).toBe(-3.5);
  });

  it("ISO-8601 timestamps compare by instant across offsets, where text would say otherwise", () => {
    const utc = comparableVersion("2026-03-25T10:00:00Z")!;
    // 09:30 at UTC-01:00 is 10:30 UTC: later, although it sorts first as text.
    expect(comparableVersion("2026-03-25T09:30:00-01:00")).toBeGreaterThan(utc);
    expect(comparableVersion("2026-03-25T12:00:00+02:00")).toBe(utc);
    expect(comparableVersion("2026-03-25T15:30:00+0530")).toBe(utc);
    expect(comparableVersion("2026-03-25t10:00:00z")).toBe(utc);
  });

  it("fractional seconds count, to the microsecond, whatever their precision", () => {
    const whole = comparableVersion("2026-03-25T10:00:00Z")!;
    expect(comparableVersion("2026-03-25T10:00:00.000001Z")).toBe(whole + 1);
    expect(comparableVersion("2026-03-25T10:00:00.5Z")).toBe(whole + 500_000);
    expect(comparableVersion("2026-03-25T10:00:00.500Z")).toBe(comparableVersion("2026-03-25T10:00:00.5Z"));
    expect(comparableVersion("2026-03-25T10:00:00.1Z")).toBeGreaterThan(
      comparableVersion("2026-03-25T10:00:00.09Z")!,
    );
    // Past the microsecond: equal (and equal versions run).
    expect(comparableVersion("2026-03-25T10:00:00.0000001Z")).toBe(whole);
    expect(comparableVersion("2026-03-25T10:00Z")).toBe(whole);
  });

  it("what cannot be compared is undefined: the event then runs unguarded", () => {
    for (const value of [
      "2026-03-25T10:00:00", // no offset: which instant is it?
      "2026-03-25",
      "2026-02-31T10:00:00Z",
      "2026-13-01T10:00:00Z",
      "yesterday",
      "",
      Number.NaN,
      Number.POSITIVE_INFINITY,
      {},
      null,
      true,
    ]) {
      expect(comparableVersion(value), String(value)).toBeUndefined();
    }
  });
});
