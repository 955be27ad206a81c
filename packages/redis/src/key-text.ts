/** A surrogate without its pair, or "%": the characters `keyText` escapes. */
const ESCAPED = /%|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * A delivery key as text Redis stores without loss. ioredis sends keys as UTF-8, which turns every lone
 * surrogate into U+FFFD, so "a\uD800" and "a\uDFFF" would share one key and one would be dropped as a
 * duplicate. Lone surrogates become `%uXXXX` and "%" becomes `%25`, which keeps distinct keys distinct;
 * a well-formed key without "%" (every key core derives from a JSON id it could print) is unchanged.
 */
export function keyText(key: string): string {
  ESCAPED.lastIndex = 0;
  if (!ESCAPED.test(key)) return key;
  return key.replace(ESCAPED, (char) =>
    char === "%" ? "%25" : `%u${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
  );
}
