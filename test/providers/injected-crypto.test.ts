import { type CryptoProvider, createReceiver, type Provider, providers, webCrypto } from "@webhook-kit/core";
import { fixtures, signDelivery } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** Web Crypto (the Edge runtime's only option), wrapped to count the constant-time comparisons. */
function countingWebCrypto() {
  const inner = webCrypto();
  const counts = { hmac: 0, compare: 0 };
  const crypto: CryptoProvider = {
    hmac: (alg, key, data) => {
      counts.hmac += 1;
      return inner.hmac(alg, key, data);
    },
    sha256: (data) => inner.sha256(data),
    timingSafeEqual: (a, b) => {
      counts.compare += 1;
      return inner.timingSafeEqual(a, b);
    },
  };
  return { crypto, counts };
}

const presets: [string, () => Provider, unknown, { event?: string }][] = [
  [
    "eulabelInbound",
    () => providers.eulabelInbound({ secret: SECRET }),
    fixtures.eulabelInbound["item.create"],
    {},
  ],
  ["eudr", () => providers.eudr({ secret: SECRET }), fixtures.eudr["supplier.created"], {}],
  ["generic", () => providers.generic({ secret: SECRET }), fixtures.generic["user.created"], {}],
  ["shipping", () => providers.shipping({ secret: SECRET }), fixtures.shipping["shipment.created"], {}],
  [
    "standardWebhooks",
    () => providers.standardWebhooks({ secret: SECRET }),
    fixtures.standardWebhooks["invoice.paid"],
    {},
  ],
  [
    "github",
    () => providers.github({ secret: SECRET }),
    fixtures.github["issues.opened"],
    { event: "issues" },
  ],
  ["stripe", () => providers.stripe({ secret: SECRET }), fixtures.stripe["customer.created"], {}],
];

describe("every preset verifies with the injected CryptoProvider (Web Crypto, as on the Edge runtime)", () => {
  it.each(presets)("%s", async (_, make, payload, options) => {
    const { crypto, counts } = countingWebCrypto();
    const receiver = createReceiver({ provider: make(), crypto });
    const wire = await signDelivery(make(), payload, options);
    const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
    expect(res.status, res.body).toBe(200);
    expect(counts.hmac).toBeGreaterThan(0);
    expect(counts.compare).toBeGreaterThan(0);
    // A forged delivery is refused through the same injected primitives.
    const forged = { ...wire.headers };
    for (const name of Object.keys(forged))
      if (name.includes("signature"))
        forged[name] = forged[name]!.replace(/[0-9a-f]/, (c) => (c === "0" ? "1" : "0"));
    const tampered = wire.text.includes('"signature"')
      ? wire.text.replace(/"signature":"(.)/, (_m, c) => `"signature":"${c === "0" ? "1" : "0"}`)
      : wire.text;
    const bad = await createReceiver({ provider: make(), crypto }).handle({
      method: "POST",
      headers: forged,
      rawBody: new TextEncoder().encode(tampered),
    });
    expect(bad.status).toBe(401);
  });
});
