import { fromBase64 } from "./encoding.js";

/**
 * Ed25519 for the built-in crypto providers: node:crypto and Web Crypto each get their own, and both
 * speak raw keys (32-byte public key, 32-byte seed) so schemes never see a runtime's key type.
 */

/** The Ed25519 members a CryptoProvider may carry (see `CryptoProvider`). */
export interface Ed25519Crypto {
  ed25519Verify(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean | Promise<boolean>;
  ed25519Sign(seed: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** The public key of a 32-byte seed. */
  ed25519PublicKey(seed: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

// DER headers of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo (RFC 8410): the raw key follows.
export const SPKI_PREFIX = Uint8Array.from([
  0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
export const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

const withPrefix = (prefix: Uint8Array, key: Uint8Array): Uint8Array => {
  const out = new Uint8Array(prefix.length + key.length);
  out.set(prefix);
  out.set(key, prefix.length);
  return out;
};

// Key parameters are `unknown` (methods compare their parameters both ways): node:crypto's own module, whose
// parameters are unions of strings, buffers and key objects, then fits, as `nodeCrypto(await import(...))`.
export interface NodeEd25519Like {
  createPublicKey(key: unknown): { export(options: unknown): Uint8Array };
  createPrivateKey(key: unknown): object;
  verify(algorithm: null, data: Uint8Array, key: unknown, signature: Uint8Array): boolean;
  sign(algorithm: null, data: Uint8Array, key: unknown): Uint8Array;
}

/** A key object made once per raw key: importing it costs more than the verification itself. */
function memo<K extends object>(make: (raw: Uint8Array) => K): (raw: Uint8Array) => K {
  const made = new WeakMap<Uint8Array, K>();
  return (raw) => {
    let key = made.get(raw);
    if (!key) {
      key = make(raw);
      made.set(raw, key);
    }
    return key;
  };
}

/** node:crypto's Ed25519 (sync); OpenSSL does the curve arithmetic. */
export function nodeEd25519(node: NodeEd25519Like): Ed25519Crypto {
  const der = (key: Uint8Array, prefix: Uint8Array) => ({
    key: withPrefix(prefix, key),
    format: "der",
    type: prefix === SPKI_PREFIX ? "spki" : "pkcs8",
  });
  const publicKey = memo((raw) => node.createPublicKey(der(raw, SPKI_PREFIX)));
  const privateKey = memo((seed) => node.createPrivateKey(der(seed, PKCS8_PREFIX)));
  return {
    ed25519Verify: (key, signature, data) =>
      signature.length === 64 && node.verify(null, data, publicKey(key), signature),
    ed25519Sign: (seed, data) => new Uint8Array(node.sign(null, data, privateKey(seed))),
    ed25519PublicKey: (seed) => {
      const spki = node.createPublicKey(privateKey(seed)).export({ format: "der", type: "spki" });
      return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
    },
  };
}

const ED25519 = { name: "Ed25519" } as const;

/**
 * Web Crypto's Ed25519 (Node ≥ 20 exposes it on `crypto.subtle`, as do Deno, Bun, Cloudflare Workers and
 * Vercel's Edge runtime). On a runtime without it, the first Ed25519 delivery fails with an error that says so
 * (a 500: the sender retries, nothing is lost).
 */
export function webEd25519(subtle: SubtleCrypto): Ed25519Crypto {
  // Said once, clearly, instead of the runtime's own NotSupportedError deep in a delivery's stack.
  const unsupported = (error: unknown) => {
    throw new Error(
      "This runtime's Web Crypto has no Ed25519. Update the runtime, or pass createReceiver({ crypto }) a CryptoProvider whose ed25519Verify uses a library such as @noble/curves.",
      { cause: error },
    );
  };
  const publicKey = memo((raw) =>
    subtle.importKey("raw", raw as BufferSource, ED25519, false, ["verify"]).catch(unsupported),
  );
  const privateKey = memo((seed) =>
    subtle
      .importKey("pkcs8", withPrefix(PKCS8_PREFIX, seed) as BufferSource, ED25519, true, ["sign"])
      .catch(unsupported),
  );
  return {
    ed25519Verify: async (key, signature, data) =>
      signature.length === 64 &&
      subtle.verify(ED25519, await publicKey(key), signature as BufferSource, data as BufferSource),
    ed25519Sign: async (seed, data) =>
      new Uint8Array(await subtle.sign(ED25519, await privateKey(seed), data as BufferSource)),
    ed25519PublicKey: async (seed) => {
      // Web Crypto derives no public key from a private one; its JWK export carries it as `x`.
      const jwk = await subtle.exportKey("jwk", await privateKey(seed));
      return fromBase64(jwk.x ?? "") ?? new Uint8Array(0);
    },
  };
}
