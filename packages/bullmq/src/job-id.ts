/**
 * BullMQ refuses a custom job id that reads as an integer ("123") or that holds a ':' outside its own
 * `repeat:<id>:<ts>` form. Delivery keys are namespaced with ':' (`provider:type:hash`), so the job id is the
 * key with '%' and ':' percent-escaped, and a leading character escaped when the result would read as an
 * integer. The mapping is deterministic (one key, one id: BullMQ itself refuses the second copy) and
 * reversible (the CLI and bull-board users see an id they can turn back into the key).
 *
 * @example
 * jobIdFromKey("eulabel:passport.published:9f2c"); // "eulabel%3Apassport.published%3A9f2c"
 * jobIdFromKey("12345"); // "%312345": BullMQ refuses integer-looking ids
 */
export function jobIdFromKey(key: string): string {
  const escaped = key.replace(/[%:]/g, (c) => (c === "%" ? "%25" : "%3A"));
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
  return id.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

const percent = (c: string) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`;
