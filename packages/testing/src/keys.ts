import { type CryptoProvider, defaultCrypto } from "@webhook-kit/core";

/** A fresh Ed25519 key pair in Standard Webhooks' serialisation. */
export interface Ed25519KeyPair {
  /** `whpk_<base64 of the 32-byte public key>`: what the receiver is configured with. */
  publicKey: string;
  /** `whsk_<base64 of the 32-byte seed and the public key>` (Svix's 64-byte layout): what signs. */
  privateKey: string;
}

const base64 = (bytes: Uint8Array): string => {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
};

/**
 * A fresh Ed25519 key pair for asymmetric test deliveries (Standard Webhooks v1a, `ed25519Signature`).
 *
 * @example
 * const { publicKey, privateKey } = await generateEd25519Keys();
 * const receiver = createReceiver({ provider: providers.standardWebhooks({ publicKey }) });
 * const wire = await signDelivery(providers.standardWebhooks({ privateKey }), { type: "invoice.paid" });
 */
export async function generateEd25519Keys(crypto: CryptoProvider = defaultCrypto()): Promise<Ed25519KeyPair> {
  const derive = crypto.ed25519PublicKey ?? defaultCrypto().ed25519PublicKey;
  if (!derive) throw new Error("generateEd25519Keys: this runtime's crypto has no Ed25519.");
  const seed = globalThis.crypto.getRandomValues(new Uint8Array(32));
  const publicKey = await derive(seed);
  const both = new Uint8Array(64);
  both.set(seed);
  both.set(publicKey, 32);
  return { publicKey: `whpk_${base64(publicKey)}`, privateKey: `whsk_${base64(both)}` };
}
