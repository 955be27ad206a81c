/**
 * Versions as one comparable number, so every store compares them the same way (Lua, SQL, JS):
 * - a finite number, or a decimal string ("42", "-3.5"), is itself;
 * - an ISO-8601 date-time with an offset ("2026-03-25T10:15:00Z", "…+02:00", fractional seconds) is its instant
 *   in epoch microseconds, so different offsets and precisions compare by the instant, never as text.
 * Anything else (no offset, a date alone, an object, NaN) cannot be compared: undefined. Microseconds are
 * exact in a double until the year 2255; digits past the microsecond are ignored (such versions are equal,
 * and equal versions run).
 */
export function comparableVersion(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.length > 64) return undefined;
  if (DECIMAL.test(value)) {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return instantMicros(value);
}

const DECIMAL = /^-?\d{1,17}(?:\.\d{1,17})?$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,12}))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/** An ISO-8601 date-time with an offset, as epoch microseconds; undefined when it is not one or not a real date. */
export function instantMicros(text: string): number | undefined {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = "0", frac = "", , sign, oh = "0", om = "0"] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return undefined;
  if (Number(oh) > 23 || Number(om) > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February into March: a date that does not exist is not a version.
  if (new Date(Date.UTC(year, month - 1, day)).getUTCDate() !== day) return undefined;
  const offsetMinutes = sign ? (sign === "-" ? -1 : 1) * (Number(oh) * 60 + Number(om)) : 0;
  const micros = Number(frac.padEnd(6, "0").slice(0, 6));
  return (ms - offsetMinutes * 60_000) * 1000 + micros;
}
