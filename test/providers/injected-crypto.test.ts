import { type CryptoProvider, createReceiver, webCrypto } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { forgeDigest, presetCases, signedCase } from "../support/presets.js";

/** Web Crypto (the Edge runtime's only option), wrapped to count the primitives and record each comparison. */
function countingWebCrypto() {
  const inner = webCrypto();
  const counts = { hmac: 0, compare: 0 };
  const verdicts: boolean[] = [];
  const crypto: CryptoProvider = {
    hmac: (alg, key, data) => {
      counts.hmac += 1;
      return inner.hmac(alg, key, data);
    },
    sha256: (data) => inner.sha256(data),
    timingSafeEqual: (a, b) => {
      counts.compare += 1;
      const equal = inner.timingSafeEqual(a, b);
      verdicts.push(equal);
      return equal;
    },
  };
  return { crypto, counts, verdicts };
}

describe("every preset verifies with the injected CryptoProvider (Web Crypto, as on the Edge runtime)", () => {
  it.each(presetCases.map((c) => [c.name, c] as const))("%s", async (_, preset) => {
    const { crypto, counts, verdicts } = countingWebCrypto();
    const receiver = createReceiver({ provider: preset.make(), crypto });
    const wire = await signedCase(preset);
    const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
    expect(res.status, res.body).toBe(200);
    expect(counts.hmac).toBeGreaterThan(0);
    expect(counts.compare).toBeGreaterThan(0);
    expect(verdicts).toContain(true);
    // A forged delivery is refused through the same injected primitives: one character of the digest is
    // changed (prefix, timestamp and format intact), so only a comparison can refuse it.
    const before = { ...counts };
    verdicts.length = 0;
    const forged = forgeDigest(wire);
    const bad = await createReceiver({ provider: preset.make(), crypto }).handle({
      method: "POST",
      headers: forged.headers,
      rawBody: forged.body,
    });
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body).error).toBe("invalid_signature");
    expect(counts.hmac).toBeGreaterThan(before.hmac);
    expect(counts.compare).toBeGreaterThan(before.compare);
    expect(verdicts.length).toBeGreaterThan(0);
    expect(verdicts.every((equal) => equal === false)).toBe(true);
  });
});
