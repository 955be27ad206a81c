import { type CryptoProvider, defaultCrypto } from "../crypto.js";
import { invalidConfig } from "../errors.js";
import { type Ed25519KeyInput, parsePrivateKeys, parsePublicKeys } from "./ed25519-keys.js";
import type { SignInput } from "./scheme.js";

/** How an Ed25519 scheme's keys are configured: everything but where its signature lives. */
export interface Ed25519KeyOptions {
  /** The sender's public key(s): a receiver needs nothing else. Several for rotation (any may match). */
  publicKey?: Ed25519KeyInput;
  /**
   * Private key(s), for signing (test kits, senders); their public keys verify too. A receiver should hold
   * only `publicKey`.
   */
  privateKey?: Ed25519KeyInput;
  /** Human name of the platform, for error messages. */
  platform?: string;
}

/**
 * Each Ed25519 verification costs ≈ 50–100 µs, so a header repeated many times could multiply the work a
 * forged request buys: per request, at most this many (signature, signed content) pairs are tried — across
 * every timestamp of a repeated timestamp header too — each under every configured key. The work a request
 * can buy is thus at most 8 × the keys the receiver configured (senders rotate with two or three signatures,
 * and send one timestamp).
 */
export const MAX_ED25519_SIGNATURES = 8;

/** What is left of one request's MAX_ED25519_SIGNATURES, shared by every `match` of that request. */
export interface Ed25519Budget {
  left: number;
}

type Ed25519Provider = Required<Pick<CryptoProvider, "ed25519Verify" | "ed25519Sign" | "ed25519PublicKey">>;

/** The injected provider when it speaks Ed25519, else the runtime's default (an HMAC-only test double). */
function ed25519Of(crypto: CryptoProvider): Ed25519Provider {
  const chosen =
    crypto.ed25519Verify && crypto.ed25519Sign && crypto.ed25519PublicKey ? crypto : defaultCrypto();
  return chosen as Ed25519Provider;
}

/**
 * The Ed25519 keys of one scheme and everything done with them. Keys are parsed once, at configuration
 * time (a bad key fails here, naming `platform`); the public keys of private keys are derived at first use.
 *
 * @example
 * const ring = ed25519Ring({ publicKey: "whpk_…" }, "Acme");
 * const ok = await ring.match(crypto, signedBytes, [signature]);
 */
export function ed25519Ring(options: Ed25519KeyOptions, platform: string) {
  const publicKeys = options.publicKey === undefined ? [] : parsePublicKeys(options.publicKey, platform);
  const seeds = options.privateKey === undefined ? [] : parsePrivateKeys(options.privateKey, platform);
  if (publicKeys.length === 0 && seeds.length === 0) {
    throw invalidConfig(
      'pass the sender\'s Ed25519 public key, e.g. publicKey: process.env.WEBHOOK_PUBLIC_KEY ("whpk_…", hex or PEM).',
      platform,
    );
  }
  let derived: Promise<Uint8Array[]> | undefined;
  const verifyingKeys = async (crypto: Ed25519Provider): Promise<readonly Uint8Array[]> => {
    if (seeds.length === 0) return publicKeys;
    derived ??= Promise.all(seeds.map(async (seed) => crypto.ed25519PublicKey(seed)));
    return [...publicKeys, ...(await derived)];
  };
  return {
    /**
     * True when any candidate (64 bytes each) is a valid signature of `content` under any key. Candidates
     * are drawn from `budget` (a request's MAX_ED25519_SIGNATURES, shared when one request tries several
     * contents); beyond it they are ignored. Public-key verification compares nothing secret, so order does
     * not matter.
     */
    async match(
      crypto: CryptoProvider,
      content: Uint8Array,
      candidates: readonly Uint8Array[],
      budget: Ed25519Budget = { left: MAX_ED25519_SIGNATURES },
    ): Promise<boolean> {
      const usable = candidates.filter((c) => c.length === 64).slice(0, Math.max(0, budget.left));
      budget.left -= usable.length;
      if (usable.length === 0) return false;
      const ed = ed25519Of(crypto);
      for (const key of await verifyingKeys(ed)) {
        for (const signature of usable) if (await ed.ed25519Verify(key, signature, content)) return true;
      }
      return false;
    },
    /** Whether this ring can sign (it holds a private key). */
    canSign: seeds.length > 0,
    /** The signature of `content` under the private key `input.secretIndex` names (default the first). */
    async sign(content: Uint8Array, input: Pick<SignInput, "secretIndex" | "crypto">): Promise<Uint8Array> {
      const seed = seeds[input.secretIndex ?? 0] ?? seeds[0];
      if (!seed) {
        throw invalidConfig(
          "signing needs the private key: configure privateKey (whsk_…) in the scheme, or sign with the sender's own tools. A receiver holds only the public key.",
          platform,
        );
      }
      return ed25519Of(input.crypto ?? defaultCrypto()).ed25519Sign(seed, content);
    },
  };
}
