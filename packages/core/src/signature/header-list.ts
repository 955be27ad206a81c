/**
 * How signatures are read from the text they travel in, shared by every scheme: whether a header carries
 * anything, a repeated header's entries, an optional prefix, and `k=v` lists. One rule everywhere: an entry
 * is trimmed, its optional prefix (any case) is read, and what follows is the digest exactly as it is.
 */

/** Whether a header (or field) carries anything: present and not blank. */
export const carries = (value: string | undefined): value is string =>
  value !== undefined && value.trim() !== "";

/**
 * Node joins a header that arrives more than once with ", " (a proxy that adds its own copy, a sender that
 * repeats it), so a single-valued signature header can hold several entries. Each is tried; any valid one
 * verifies, exactly as with several secrets. Hex and base64 never contain a comma, so splitting is safe.
 */
export function commaEntries(value: string): string[] {
  // The usual single entry: no split, no array of parts.
  if (!value.includes(",")) {
    const entry = value.trim();
    return entry === "" ? [] : [entry];
  }
  const entries: string[] = [];
  for (const part of value.split(",")) {
    const entry = part.trim();
    if (entry !== "") entries.push(entry);
  }
  return entries;
}

/** What follows a signature's prefix in trimmed text; undefined when a required prefix is absent. */
export type PrefixReader = (text: string) => string | undefined;

/**
 * Reads an optional prefix such as "sha256=" or "v0=", in any case: the text after it, the text itself when
 * it is absent, or undefined when `required` and absent.
 */
export function prefixReader(prefix = "", required = false): PrefixReader {
  if (prefix === "") return (text) => text;
  const lower = prefix.toLowerCase();
  const has = (text: string) =>
    text.startsWith(prefix) || text.slice(0, prefix.length).toLowerCase() === lower;
  return (text) => (has(text) ? text.slice(prefix.length) : required ? undefined : text);
}

/** Every signature text in one header value: each comma entry, its prefix read. */
export function signatureTexts(value: string, read: PrefixReader): string[] {
  const texts: string[] = [];
  for (const entry of commaEntries(value)) {
    const text = read(entry);
    if (text !== undefined) texts.push(text);
  }
  return texts;
}

/**
 * Splits `t=1,v1=abc,v1=def` on commas, each pair at its first "=", keeping repeated keys.
 *
 * @example
 * parseKeyValueList("t=1,v1=ab,v1=cd"); // [["t","1"],["v1","ab"],["v1","cd"]]
 */
export function parseKeyValueList(value: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const item of value.split(",")) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
  }
  return pairs;
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
