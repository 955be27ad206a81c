/**
 * PostgreSQL's jsonb and text refuse U+0000 and UTF-16 halves without their pair, and Redis stores text as
 * UTF-8 (a lone half becomes U+FFFD); yet a signed key or event type may hold either. A string holding one
 * (or starting with the mark) is stored marked and percent-escaped; every other string as itself, so stored
 * jobs stay readable in BullMQ's tools and jobs written before this encoding decode unchanged.
 *
 * @example
 * toStorable("evt_\u0000_x"); // "~wk%evt_%00_x"
 * fromStorable(toStorable("evt_\uD800")); // "evt_\uD800"
 */
export function toStorable(value: string): string {
  if (!value.startsWith(MARK) && !NEEDS_ESCAPE.test(value)) return value;
  return `${MARK}${value.replace(ESCAPED, escapeUnit)}`;
}

/** Inverse of `toStorable`. */
export function fromStorable(value: string): string {
  if (!value.startsWith(MARK)) return value;
  return value
    .slice(MARK.length)
    .replace(/%(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g, (_, unit?: string, byte?: string) =>
      String.fromCharCode(Number.parseInt(unit ?? byte ?? "", 16)),
    );
}

/** `toStorable` over every string (object keys included) of JSON-shaped data. */
export function storableData<T>(value: T): T {
  return mapStrings(value, toStorable) as T;
}

/** Inverse of `storableData`. */
export function readableData(value: unknown): unknown {
  return mapStrings(value, fromStorable);
}

/** For text that is only shown (an error message, a job name): the same escapes, no way back needed. */
export function displayable(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPED, escapeUnit) : value;
}

const MARK = "~wk%";
const LONE = "[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]";
const NEEDS_ESCAPE = new RegExp(`\\u0000|${LONE}`);
const ESCAPED = new RegExp(`[%\\u0000]|${LONE}`, "g");

function escapeUnit(c: string): string {
  if (c === "%") return "%25";
  if (c === "\u0000") return "%00";
  return `%u${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

function mapStrings(value: unknown, map: (s: string) => string): unknown {
  if (typeof value === "string") return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (typeof value === "object" && value !== null) {
    // fromEntries defines own properties: a "__proto__" header name stays a header.
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)]));
  }
  return value;
}
