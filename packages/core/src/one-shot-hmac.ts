/** node:crypto's one-shot `hash(algorithm, data, outputEncoding)` (Node ≥ 20.12). */
export type OneShotHash = (algorithm: string, data: Uint8Array, encoding: "binary") => string;

/** Bodies above this use createHmac: the one-shot form copies the body once, fine for webhooks, not for 100 MB. */
export const ONE_SHOT_MAX_BYTES = 64 * 1024;

const BLOCK = { sha256: 64, sha512: 128 } as const;
const PAD_IN = 0x36;
const PAD_OUT = 0x5c;

interface Pads {
  algorithm: keyof typeof BLOCK;
  /** The key XOR ipad, followed by room for the message. */
  inner: Uint8Array;
  /** The key XOR opad, followed by room for the inner digest. */
  outer: Uint8Array;
}

/**
 * HMAC (RFC 2104) as two one-shot hashes: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)). Same bytes as createHmac (a
 * test holds it to that for every key and body length class), without the Hmac object and stream machinery
 * Node builds per call, which cost more than hashing a webhook-sized body. The pads are derived once per
 * secret; the message is copied into a scratch buffer that is zeroed after use (no payload left behind).
 */
export function oneShotHmac(hash: OneShotHash) {
  const pads = new WeakMap<Uint8Array, Pads>();
  let scratch = new Uint8Array(0);

  const padsFor = (algorithm: keyof typeof BLOCK, key: Uint8Array): Pads => {
    const known = pads.get(key);
    if (known?.algorithm === algorithm) return known;
    const block = BLOCK[algorithm];
    const k0 = new Uint8Array(block);
    k0.set(key.length > block ? latin1Bytes(hash(algorithm, key, "binary")) : key);
    const inner = new Uint8Array(block);
    const outer = new Uint8Array(block + block / 2);
    for (let i = 0; i < block; i++) {
      inner[i] = (k0[i] as number) ^ PAD_IN;
      outer[i] = (k0[i] as number) ^ PAD_OUT;
    }
    const made = { algorithm, inner, outer };
    pads.set(key, made);
    return made;
  };

  return (algorithm: keyof typeof BLOCK, key: Uint8Array, data: Uint8Array): Uint8Array => {
    const { inner, outer } = padsFor(algorithm, key);
    const length = inner.length + data.length;
    if (scratch.length < length) scratch = new Uint8Array(Math.max(length, 2 * scratch.length));
    scratch.set(inner);
    scratch.set(data, inner.length);
    const innerDigest = hash(algorithm, scratch.subarray(0, length), "binary");
    scratch.fill(0, inner.length, length);
    const tail = outer.subarray(inner.length);
    for (let i = 0; i < innerDigest.length; i++) tail[i] = innerDigest.charCodeAt(i);
    return latin1Bytes(hash(algorithm, outer, "binary"));
  };
}

/** A digest's bytes from its latin1 text (one char per byte): cheaper than asking Node for a Buffer. */
function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
