/**
 * Node joins a header that arrives more than once with ", " (a proxy that adds its own copy, a sender that
 * repeats it), so a single-valued signature header can hold several entries. Each is tried; any valid one
 * verifies, exactly as with several secrets. Hex and base64 never contain a comma, so splitting is safe.
 */
export function commaEntries(value: string): string[] {
  const entries: string[] = [];
  for (const part of value.split(",")) {
    const entry = part.trim();
    if (entry !== "") entries.push(entry);
  }
  return entries;
}

/**
 * Every signed timestamp costs one HMAC of the whole body per secret, so a header repeated many times
 * could multiply the work a forged request buys: distinct timestamps beyond this are ignored.
 */
export const MAX_TIMESTAMPS = 4;

/** The distinct timestamps offered, in order, at most MAX_TIMESTAMPS. */
export function distinctTimestamps(values: readonly string[]): string[] {
  return [...new Set(values)].slice(0, MAX_TIMESTAMPS);
}
