import { fromBase64, fromHex, toBase64, toHex } from "../encoding.js";

export type HmacAlgorithm = "sha256" | "sha512";
/** How a digest travels as text. "auto" accepts hex (any case) or base64 (standard or URL-safe). */
export type DigestEncoding = "hex" | "base64" | "auto";

export const digestLength = (algorithm: HmacAlgorithm): number => (algorithm === "sha256" ? 32 : 64);

/**
 * Decodes one signature from its text, exactly as given (whitespace is the parser's business). Anything
 * malformed, or of the wrong length for the algorithm, is undefined: an invalid signature, never a crash.
 */
export function decodeDigest(
  text: string,
  encoding: DigestEncoding,
  algorithm: HmacAlgorithm,
): Uint8Array | undefined {
  const hex = encoding !== "base64" ? fromHex(text) : undefined;
  const bytes = hex ?? (encoding !== "hex" ? fromBase64(text) : undefined);
  return bytes?.length === digestLength(algorithm) ? bytes : undefined;
}

/** The text a sender puts on the wire; "auto" signs as hex, the common form. */
export const encodeDigest = (digest: Uint8Array, encoding: DigestEncoding): string =>
  encoding === "base64" ? toBase64(digest) : toHex(digest);
