import { type NodeEd25519Like, nodeEd25519, webEd25519 } from "./ed25519-crypto.js";

/**
 * The few primitives verification needs. Node's `crypto` is used when the runtime has it (fast, sync);
 * Edge runtimes and browsers-like workers fall back to Web Crypto. Injectable for tests.
 */
export interface CryptoProvider {
  hmac(algorithm: "sha256" | "sha512", key: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  sha256(data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** Lower-case hex SHA-256; optional, derived from `sha256` when absent. */
  sha256Hex?(data: Uint8Array): string | Promise<string>;
  /** Constant-time comparison of two equal-length byte arrays. */
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /**
   * Ed25519 verification over raw keys (32-byte public key, 64-byte signature). Optional: a provider
   * without it (an HMAC-only test double) leaves Ed25519 schemes to the runtime's default provider.
   */
  ed25519Verify?(publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array): boolean | Promise<boolean>;
  /** Ed25519 signing with a 32-byte seed (test kits and senders). Optional, like `ed25519Verify`. */
  ed25519Sign?(seed: Uint8Array, data: Uint8Array): Uint8Array | Promise<Uint8Array>;
  /** The public key of a 32-byte seed. Optional, like `ed25519Verify`. */
  ed25519PublicKey?(seed: Uint8Array): Uint8Array | Promise<Uint8Array>;
}

interface NodeCryptoLike extends NodeEd25519Like {
  createHmac(alg: string, key: Uint8Array): { update(d: Uint8Array): { digest(): Uint8Array } };
  createHash(alg: string): { update(d: Uint8Array): { digest(): Uint8Array; digest(enc: "hex"): string } };
  timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean;
  /** One-shot digest (Node ≥ 20.12): no Hash object per call. */
  hash?(alg: string, data: Uint8Array, encoding: "hex"): string;
}

function loadNodeCrypto(): NodeCryptoLike | undefined {
  // getBuiltinModule (Node ≥ 20.16) reaches node:crypto without a static import, so this file still
  // bundles for the Edge runtime, where `process.getBuiltinModule` does not exist.
  // Next.js's Edge runtime goes further: its `process` throws on reading any Node.js-only member.
  try {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    return proc?.getBuiltinModule?.("node:crypto") as NodeCryptoLike | undefined;
  } catch {
    return undefined;
  }
}

/**
 * Node's crypto as a CryptoProvider (the default wherever node:crypto exists).
 *
 * @example
 * const receiver = createReceiver({ provider, crypto: nodeCrypto(await import("node:crypto")) });
 */
export function nodeCrypto(node: NodeCryptoLike): CryptoProvider {
  const hash = node.hash?.bind(node);
  return {
    // Node's own HMAC, never a hand-built one: a one-shot RFC 2104 construction measured ≈ 1 µs faster per
    // 1 KB delivery (≈ 2 % of a request under load), not worth owning crypto code. The key goes in as bytes:
    // a KeyObject made once per secret measured slower per call on Node 20 (3.8 vs 3.6 µs for 1 KB).
    hmac: (alg, key, data) => node.createHmac(alg, key).update(data).digest(),
    sha256: (data) => node.createHash("sha256").update(data).digest(),
    sha256Hex: hash
      ? (data) => hash("sha256", data, "hex")
      : (data) => node.createHash("sha256").update(data).digest("hex"),
    timingSafeEqual: (a, b) => a.length === b.length && node.timingSafeEqual(a, b),
    ...nodeEd25519(node),
  };
}

/** Constant time over the length: every byte is compared, no early exit. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}

/**
 * @example
 * // What the Edge runtime uses; also a way to test that path on Node.
 * const receiver = createReceiver({ provider, crypto: webCrypto() });
 */
export function webCrypto(subtle: SubtleCrypto = globalThis.crypto.subtle): CryptoProvider {
  const keys = new Map<string, Map<Uint8Array, Promise<CryptoKey>>>();
  const keyFor = (alg: "sha256" | "sha512", raw: Uint8Array): Promise<CryptoKey> => {
    let byAlg = keys.get(alg);
    if (!byAlg) {
      byAlg = new Map();
      keys.set(alg, byAlg);
    }
    let key = byAlg.get(raw);
    if (!key) {
      const hash = alg === "sha256" ? "SHA-256" : "SHA-512";
      key = subtle.importKey("raw", raw as BufferSource, { name: "HMAC", hash }, false, ["sign"]);
      // Secrets are encoded once per provider, so the same Uint8Array comes back; bound it anyway.
      if (byAlg.size > 64) byAlg.clear();
      byAlg.set(raw, key);
    }
    return key;
  };
  return {
    hmac: async (alg, raw, data) =>
      new Uint8Array(await subtle.sign("HMAC", await keyFor(alg, raw), data as BufferSource)),
    sha256: async (data) => new Uint8Array(await subtle.digest("SHA-256", data as BufferSource)),
    timingSafeEqual: constantTimeEqual,
    ...webEd25519(subtle),
  };
}

let cached: CryptoProvider | undefined;

/**
 * The runtime's best provider: node:crypto when present, else Web Crypto.
 *
 * @example
 * const { headers } = await sign(provider, body, { crypto: defaultCrypto() });
 */
export function defaultCrypto(): CryptoProvider {
  if (!cached) {
    const node = loadNodeCrypto();
    cached = node ? nodeCrypto(node) : webCrypto();
  }
  return cached;
}
