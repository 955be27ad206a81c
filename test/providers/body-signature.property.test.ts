import { createHmac } from "node:crypto";
import { bodyWithoutField, providers, sign, utf8Bytes, verify } from "@webhook-kit/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

const SECRET = "shipping_property_secret";
const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Payloads whose keys never collide with the signature member (nested "signature" keys are allowed). */
const payload = fc.dictionary(
  fc.string({ maxLength: 8 }).filter((k) => k !== "signature" && k !== "__proto__"),
  fc.jsonValue({ maxDepth: 3 }),
  { maxKeys: 6 },
);
const indent = fc.constantFrom(undefined, 0, 1, 2, 4, "\t");

/** Serialises with the signature member at `position` among the others. */
function serialiseWith(
  obj: Record<string, unknown>,
  position: number,
  signature: string,
  space: string | number | undefined,
) {
  const entries = Object.entries(obj);
  entries.splice(Math.min(position, entries.length), 0, ["signature", signature]);
  return JSON.stringify(Object.fromEntries(entries), null, space);
}

describe("shipping's byte-exact removal of the signature member (property)", () => {
  it("recovers exactly the sender's serialisation without the member, wherever it was and however indented", () => {
    fc.assert(
      fc.property(payload, fc.nat(7), indent, fc.string(), (obj, position, space, sig) => {
        const withSig = serialiseWith(obj, position, sig, space);
        const removed = bodyWithoutField(utf8Bytes(withSig));
        expect(removed && decode(removed)).toBe(JSON.stringify(obj, null, space));
      }),
      { numRuns: 400 },
    );
  });

  it("a sender's signature over its own serialisation verifies; no byte change alters the data and still verifies", async () => {
    await fc.assert(
      fc.asyncProperty(payload, fc.nat(7), indent, fc.nat(), async (obj, position, space, flipAt) => {
        const provider = providers.shipping({ secret: SECRET });
        const digest = createHmac("sha256", SECRET)
          .update(JSON.stringify(obj, null, space))
          .digest("hex");
        const body = serialiseWith(obj, position, digest, space);
        const request = (text: string) => ({ method: "POST", headers: {}, rawBody: utf8Bytes(text) });
        expect((await verify(provider, request(body))).ok).toBe(true);
        // Change one byte outside the signature's hex value: it must no longer verify.
        const at = flipAt % body.length;
        const sigStart = body.indexOf(digest);
        if (at >= sigStart - 1 && at <= sigStart + digest.length) return;
        const ch = body[at] === " " ? "\t" : " ";
        const tampered = body.slice(0, at) + ch + body.slice(at + 1);
        if (tampered === body) return;
        // Whitespace next to the removed member is not covered, but it cannot change the data: anything that
        // still verifies must parse to exactly the same object.
        if ((await verify(provider, request(tampered))).ok)
          expect(JSON.parse(tampered)).toEqual(JSON.parse(body));
      }),
      { numRuns: 200 },
    );
  });

  it("sign() output always verifies and strips back to the input", async () => {
    await fc.assert(
      fc.asyncProperty(payload, indent, async (obj, space) => {
        const provider = providers.shipping({ secret: SECRET });
        const input = JSON.stringify(obj, null, space);
        const signed = await sign(provider, input);
        expect((await verify(provider, { method: "POST", headers: {}, rawBody: signed.body })).ok).toBe(true);
        expect(decode(bodyWithoutField(signed.body)!)).toBe(input);
      }),
      { numRuns: 200 },
    );
  });
});
