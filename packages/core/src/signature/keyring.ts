import { type CryptoProvider, defaultCrypto } from "../crypto.js";
import { invalidConfig } from "../errors.js";
import {
  type DigestEncoding,
  decodeDigest,
  digestLength,
  encodeDigest,
  type HmacAlgorithm,
} from "./digest.js";
import type { SignInput } from "./scheme.js";
import {
  encodeSecrets,
  isSecretLookup,
  type SchemeSecretLookup,
  type SecretEncoding,
  type SecretSource,
} from "./secrets.js";

/** How an HMAC scheme's secrets and digests are configured: everything but where its signature lives. */
export interface KeyOptions {
  /**
   * The endpoint's signing secret; several for rotation (a delivery is valid when any matches). Or a function
   * of the delivery's head that looks them up per endpoint (`createReceiver`'s `tenant` names the endpoint).
   */
  secret: SecretSource;
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
  const secretEncoding = options.secretEncoding ?? "utf8";
  const source = options.secret;
  // A looked-up secret has no keys of its own: each delivery brings its endpoint's (`VerifyContext.keys`).
  const lookup: SchemeSecretLookup | undefined = isSecretLookup(source)
    ? {
        lookup: source,
        encode: (input) =>
          input === undefined || input === null || (Array.isArray(input) && input.length === 0)
            ? []
            : encodeSecrets(input, secretEncoding, platform),
      }
    : undefined;
  const keys: readonly Uint8Array[] = isSecretLookup(source)
    ? []
    : encodeSecrets(source, secretEncoding, platform);
  // Synchronous with node:crypto; Web Crypto answers later, and the remaining secrets are tried once it has.
  const matchFrom = (
    keys: readonly Uint8Array[],
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
          (bytes) =>
            matches(crypto, bytes, candidates) || matchFrom(keys, i + 1, crypto, content, candidates),
        );
      }
      if (matches(crypto, expected, candidates)) return true;
    }
    return false;
  };
  return {
    algorithm,
    /** Set when the secret is looked up per delivery: the receiver's lookup step calls it. */
    lookup,
    /** One signature's bytes from its text (exactly as given); undefined when malformed or of the wrong length. */
    decode: (text: string) => decodeDigest(text, encoding, algorithm),
    /**
     * True when any candidate equals the HMAC of `content` under any secret. Each comparison is constant
     * time (the injected provider's `timingSafeEqual`, lengths already equal by construction); stopping at
     * the first match only reveals *that* a signature matched, which the response says anyway. `looked` are
     * the delivery's looked-up keys (`VerifyContext.keys`): the receiver gives an unknown endpoint a key no
     * sender has, so it fails exactly as a wrong secret does.
     */
    match: (
      crypto: CryptoProvider,
      content: Uint8Array,
      candidates: readonly Uint8Array[],
      looked?: readonly Uint8Array[],
    ) => candidates.length > 0 && matchFrom(looked ?? keys, 0, crypto, content, candidates),
    /** The signature text of `content` under the secret `input.secretIndex` names (default the first). */
    async sign(content: Uint8Array, input: Pick<SignInput, "secretIndex" | "crypto" | "secret">) {
      const own = input.secret === undefined ? keys : encodeSecrets(input.secret, secretEncoding, platform);
      if (own.length === 0) {
        throw invalidConfig(
          "this scheme looks its secret up per delivery: pass the secret to sign with, e.g. sign(provider, body, { secret }).",
          platform,
        );
      }
      const key = own[input.secretIndex ?? 0] ?? own[0]!;
      return encodeDigest(await (input.crypto ?? defaultCrypto()).hmac(algorithm, key, content), encoding);
    },
    /** A text as long as every signature this keyring writes (all zero bytes). */
    blank: encodeDigest(new Uint8Array(digestLength(algorithm)), encoding),
  };
}
