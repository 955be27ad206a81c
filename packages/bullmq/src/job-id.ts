/**
 * BullMQ refuses a custom job id that reads as an integer ("123") or that holds a ':' outside its own
 * `repeat:<id>:<ts>` form. Delivery keys are namespaced with ':' (`provider:type:hash`), so the job id is the
 * key with '%' and ':' percent-escaped, and a leading character escaped when the result would read as an
 * integer. U+0000 becomes `%00` (PostgreSQL's text has no room for it). A lone surrogate (half a UTF-16 pair, which a JSON id may hold) becomes `%uXXXX`: the id is
 * stored as UTF-8 in Redis or PostgreSQL, which has no bytes for it, so left alone it would turn into U+FFFD
 * on the way and BullMQ would lose its own job ("Missing key for job …"). The mapping is deterministic (one
 * key, one id: BullMQ itself refuses the second copy), injective (every '%' in an id starts an escape) and
 * reversible (the CLI and bull-board users see an id they can turn back into the key).
 *
 * @example
 * jobIdFromKey("eulabel:passport.published:9f2c"); // "eulabel%3Apassport.published%3A9f2c"
 * jobIdFromKey("12345"); // "%312345": BullMQ refuses integer-looking ids
 * jobIdFromKey("generic:evt_\uD800"); // "generic%3Aevt_%uD800"
 */
export function jobIdFromKey(key: string): string {
  const escaped = key.replace(ESCAPED, (c) =>
    c === "%"
      ? "%25"
      : c === ":"
        ? "%3A"
        : c === "\u0000"
          ? "%00"
          : `%u${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  if (`${Number.parseInt(escaped, 10)}` !== escaped) return escaped;
  return `${percent(escaped.charAt(0))}${escaped.slice(1)}`;
}

/**
 * The delivery key a job id was made from (inverse of `jobIdFromKey`).
 *
 * @example
 * const failed = await bullQueue.getFailed();
 * for (const job of failed) console.log(keyFromJobId(job.id ?? ""));
 */
export function keyFromJobId(id: string): string {
  return id.replace(/%(?:u([0-9A-F]{4})|([0-9A-F]{2}))/g, (_, unit?: string, byte?: string) =>
    String.fromCharCode(Number.parseInt(unit ?? byte ?? "", 16)),
  );
}

/** '%', ':', U+0000 (PostgreSQL text refuses it) and a surrogate without its pair: never in a job id as itself. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: U+0000 is exactly what must be escaped.
const ESCAPED = /[%:\u0000]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const percent = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
