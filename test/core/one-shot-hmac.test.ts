import { createHmac, hash } from "node:crypto";
import { defaultCrypto } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { ONE_SHOT_MAX_BYTES, oneShotHmac } from "../../packages/core/src/one-shot-hmac.js";

const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);

describe("HMAC from two one-shot hashes", () => {
  const hmac = oneShotHmac(hash);
  // Key lengths around both block sizes (64 for SHA-256, 128 for SHA-512): padded, exact, hashed first.
  const keyLengths = [1, 19, 63, 64, 65, 127, 128, 129, 300];
  const bodyLengths = [0, 1, 55, 64, 1100, 70_000];

  for (const algorithm of ["sha256", "sha512"] as const) {
    it(`gives createHmac's bytes for ${algorithm}, every key and body length class`, () => {
      for (const keyLength of keyLengths) {
        const key = bytes(keyLength, keyLength);
        for (const bodyLength of bodyLengths) {
          const body = bytes(bodyLength, bodyLength + 7);
          const expected = createHmac(algorithm, key).update(body).digest();
          expect(Buffer.from(hmac(algorithm, key, body)).equals(expected)).toBe(true);
        }
      }
    });
  }

  it("leaves no earlier body behind: a shorter body after a longer one signs as itself", () => {
    const key = bytes(20, 1);
    hmac("sha256", key, bytes(5000, 3));
    const short = bytes(10, 9);
    expect(
      Buffer.from(hmac("sha256", key, short)).equals(createHmac("sha256", key).update(short).digest()),
    ).toBe(true);
  });

  it("the default (node) crypto uses createHmac above the one-shot size, with the same result", () => {
    const crypto = defaultCrypto();
    const key = bytes(32, 5);
    for (const length of [ONE_SHOT_MAX_BYTES, ONE_SHOT_MAX_BYTES + 1]) {
      const body = bytes(length, 2);
      const got = crypto.hmac("sha256", key, body) as Uint8Array;
      expect(Buffer.from(got).equals(createHmac("sha256", key).update(body).digest())).toBe(true);
    }
  });
});
