import { type CryptoProvider, defaultCrypto } from "../crypto.js";
import {
  type DigestEncoding,
  decodeDigest,
  digestLength,
  encodeDigest,
  type HmacAlgorithm,
} from "./digest.js";
import type { SignInput } from "./scheme.js";
import { encodeSecrets, type SecretEncoding, type SecretInput } from "./secrets.js";

/** How an HMAC scheme's secrets and digests are configured: everything but where its signature lives. */
export interface KeyOptions {
  /** The endpoint's signing secret; several for rotation (a delivery is valid when any matches). */
  secret: SecretInput;
  /** How the secret string becomes key bytes. Default "utf8" (the string's bytes as they are). */
  secretEncoding?: SecretEncoding;
  /** Default "sha256". */
  algorithm?: HmacAlgorithm;
  /** How the digest travels as text. "auto" accepts hex (any case) or base64. Default "hex" (any case). */
  encoding?: DigestEncoding;
  /** Human name of the platform, for error messages. */
  platform?: string;
}

function matches(crypto: CryptoProvider, expected: Uint8Array, candidates: readonly Uint8Array[]): boolean {
  for (const candidate of candidates) {
    if (candidate.length === expected.length && crypto.timingSafeEqual(expected, candidate)) return true;
  }
  return false;
}

/**
 * The secrets of one scheme and everything done with them, shared by every scheme. The secrets become key
 * bytes once, at configuration time (a bad secret fails here, naming `platform`).
 *
 * @example
 * const ring = keyring({ secret: process.env.ACME_SECRET! }, "Acme");
 * const ok = await ring.match(crypto, rawBody, [ring.decode(headerValue) ?? []].flat());
 */
export function keyring(options: KeyOptions, platform: string) {
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  const keys = encodeSecrets(options.secret, options.secretEncoding ?? "utf8", platform);
  // Synchronous with node:crypto; Web Crypto answers later, and the remaining secrets are tried once it has.
  const matchFrom = (
    from: number,
    crypto: CryptoProvider,
    content: Uint8Array,
    candidates: readonly Uint8Array[],
  ): boolean | Promise<boolean> => {
    for (let i = from; i < keys.length; i++) {
      const expected = crypto.hmac(algorithm, keys[i]!, content);
      // Any promise or thenable an injected provider returns, not only a native Promise.
      if (!(expected instanceof Uint8Array)) {
        return Promise.resolve(expected).then(
          (bytes) => matches(crypto, bytes, candidates) || matchFrom(i + 1, crypto, content, candidates),
        );
      }
      if (matches(crypto, expected, candidates)) return true;
    }
    return false;
  };
  return {
    algorithm,
    /** One signature's bytes from its text (exactly as given); undefined when malformed or of the wrong length. */
    decode: (text: string) => decodeDigest(text, encoding, algorithm),
    /**
     * True when any candidate equals the HMAC of `content` under any secret. Each comparison is constant
     * time (the injected provider's `timingSafeEqual`, lengths already equal by construction); stopping at
     * the first match only reveals *that* a signature matched, which the response says anyway.
     */
    match: (crypto: CryptoProvider, content: Uint8Array, candidates: readonly Uint8Array[]) =>
      candidates.length > 0 && matchFrom(0, crypto, content, candidates),
    /** The signature text of `content` under the secret `input.secretIndex` names (default the first). */
    async sign(content: Uint8Array, input: Pick<SignInput, "secretIndex" | "crypto">) {
      const key = keys[input.secretIndex ?? 0] ?? keys[0]!;
      return encodeDigest(await (input.crypto ?? defaultCrypto()).hmac(algorithm, key, content), encoding);
    },
    /** A text as long as every signature this keyring writes (all zero bytes). */
    blank: encodeDigest(new Uint8Array(digestLength(algorithm)), encoding),
  };
}
