/** What platforms make new for every event: ids and times in their formats. */

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random characters of [0-9A-Za-z], as Stripe's object ids use. */
export function randomAlphanumeric(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // 62 does not divide 256: the slight bias is irrelevant for test ids.
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

/** `length` random lower-case hex digits (a commit sha). */
export function randomHex(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(length / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, length);
}

/** ISO 8601 with milliseconds: two events of one type a second apart must still differ in bytes. */
export const isoMs = (now: number): string => new Date(now).toISOString();
/** ISO 8601 to the second, as the platforms' docs write times that are not part of a body-hash key. */
export const isoSeconds = (now: number): string => new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");

/** For body-hash keyed platforms: the event time makes each event's bytes its own. */
export const newTimestamp = <P extends Record<string, unknown>>(payload: P, now: number): P => ({
  ...payload,
  timestamp: isoMs(now),
});
