import type { CryptoProvider } from "../crypto.js";
import { fromBase64, fromHex, toBase64, toHex } from "../encoding.js";

export type HmacAlgorithm = "sha256" | "sha512";
/** How a digest travels as text. "auto" accepts hex (any case) or base64 (standard or URL-safe). */
export type DigestEncoding = "hex" | "base64" | "auto";

export const digestLength = (algorithm: HmacAlgorithm): number => (algorithm === "sha256" ? 32 : 64);

/**
 * Decodes one signature from text. Anything malformed, or of the wrong length for the algorithm,
 * is undefined: an invalid signature, never a crash.
 */
export function decodeDigest(
  text: string,
  encoding: DigestEncoding,
  algorithm: HmacAlgorithm,
): Uint8Array | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const hex = encoding !== "base64" ? fromHex(trimmed) : undefined;
  const bytes = hex ?? (encoding !== "hex" ? fromBase64(trimmed) : undefined);
  return bytes?.length === digestLength(algorithm) ? bytes : undefined;
}

/** The text a sender puts on the wire; "auto" signs as hex, the common form. */
export const encodeDigest = (digest: Uint8Array, encoding: DigestEncoding): string =>
  encoding === "base64" ? toBase64(digest) : toHex(digest);

/**
 * True when any candidate equals the HMAC of `content` under any key. Each comparison is constant time
 * (the injected provider's `timingSafeEqual`, lengths already equal by construction); stopping at the
 * first match only reveals *that* a signature matched, which the response says anyway.
 */
export async function matchesAnyKey(
  crypto: CryptoProvider,
  algorithm: HmacAlgorithm,
  keys: readonly Uint8Array[],
  content: Uint8Array,
  candidates: readonly Uint8Array[],
): Promise<boolean> {
  if (candidates.length === 0) return false;
  for (const key of keys) {
    const expected = await crypto.hmac(algorithm, key, content);
    for (const candidate of candidates) {
      if (candidate.length === expected.length && crypto.timingSafeEqual(expected, candidate)) return true;
    }
  }
  return false;
}
