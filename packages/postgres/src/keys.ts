import { createHash } from "node:crypto";

/** Delivery keys up to this many UTF-16 units are stored as they are (the receiver hashes longer ids itself). */
export const MAX_PLAIN_KEY_LENGTH = 200;
/** Marks a hashed key. A key that itself starts with it is hashed too, so no plain key can equal a hashed one. */
export const HASHED_PREFIX = "sha256:";

/**
 * The text stored in the `key` column for a delivery key. Readable keys stay readable; a key that PostgreSQL
 * `text` cannot hold exactly (a NUL, a lone surrogate), a long one (the primary-key index has a size limit), or
 * one that starts with `sha256:` is stored as `sha256:<hex>`: the SHA-256 of its UTF-8 bytes, or, for a string
 * that is not well-formed UTF-16 (so has no UTF-8), of 0xFF followed by its UTF-16LE code units. 0xFF never
 * occurs in UTF-8, so distinct keys never share an input.
 */
export function storageKey(key: string): string {
  if (
    key.length <= MAX_PLAIN_KEY_LENGTH &&
    !key.includes("\u0000") &&
    !key.startsWith(HASHED_PREFIX) &&
    wellFormed(key)
  ) {
    return key;
  }
  const hash = createHash("sha256");
  if (wellFormed(key)) hash.update(key, "utf8");
  else hash.update(Buffer.from([0xff])).update(key, "utf16le");
  return `${HASHED_PREFIX}${hash.digest("hex")}`;
}

/** String.prototype.isWellFormed (Node ≥ 20; ES2024, newer than the lib this builds against). */
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();
