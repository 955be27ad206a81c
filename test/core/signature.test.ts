import { createHmac } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import {
  bodyFieldSignature,
  hmacSignature,
  type SignatureScheme,
  sign,
  timestampedHmacSignature,
  verify,
  type WebhookRequest,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
// Internal helpers, not part of the public entry.
import { fromBase64, fromHex, toBase64, toHex } from "../../packages/core/src/encoding.js";

const body = new TextEncoder().encode('{"event":"passport.published","id":"ps_1"}');
const digest = createHmac("sha256", "s3cret").update(body).digest();
const request = (value: string | undefined, header = "x-sig") => ({
  method: "POST",
  headers: value === undefined ? {} : { [header]: value },
  rawBody: body,
});

describe("hmacSignature", () => {
  const scheme = { signature: hmacSignature({ header: "X-Sig", prefix: "sha256=", secret: "s3cret" }) };

  it.each([
    ["prefixed lower-case hex", `sha256=${toHex(digest)}`],
    ["upper-case hex", `sha256=${toHex(digest).toUpperCase()}`],
    ["upper-case prefix", `SHA256=${toHex(digest)}`],
    ["no prefix", toHex(digest)],
    ["surrounding whitespace", `  sha256=${toHex(digest)} `],
  ])("accepts %s", async (_, value) => {
    expect(await verify(scheme, request(value))).toEqual({ ok: true });
  });

  it.each([
    ["a truncated digest", `sha256=${toHex(digest).slice(0, 62)}`],
    ["odd-length hex", `sha256=${toHex(digest)}0`],
    ["non-hex", `sha256=${"g".repeat(64)}`],
    ["base64 where hex is expected", `sha256=${toBase64(digest)}`],
    ["a digest of other bytes", `sha256=${toHex(createHmac("sha256", "s3cret").update("x").digest())}`],
    ["a 1 MB garbage value", "a".repeat(1_000_000)],
  ])("rejects %s as invalid_signature without throwing", async (_, value) => {
    const outcome = await verify(scheme, request(value));
    expect(outcome).toMatchObject({ ok: false, code: "invalid_signature" });
  });

  it("reports a missing or empty header as missing_signature", async () => {
    expect(await verify(scheme, request(undefined))).toMatchObject({ code: "missing_signature" });
    expect(await verify(scheme, request("  "))).toMatchObject({ code: "missing_signature" });
  });

  it("requires the prefix when told to", async () => {
    const strict = {
      signature: hmacSignature({
        header: "x-sig",
        prefix: "sha256=",
        prefixRequired: true,
        secret: "s3cret",
      }),
    };
    expect((await verify(strict, request(toHex(digest)))).ok).toBe(false);
    expect((await verify(strict, request(`sha256=${toHex(digest)}`))).ok).toBe(true);
  });

  it("verifies base64 digests (standard and URL-safe) with encoding auto", async () => {
    const auto = { signature: hmacSignature({ header: "x-sig", encoding: "auto", secret: "s3cret" }) };
    expect((await verify(auto, request(toBase64(digest)))).ok).toBe(true);
    expect((await verify(auto, request(digest.toString("base64url")))).ok).toBe(true);
    expect((await verify(auto, request(toHex(digest)))).ok).toBe(true);
  });

  it("signs byte-exactly what it verifies, with the chosen secret", async () => {
    const rotating = {
      signature: hmacSignature({ header: "x-sig", prefix: "sha256=", secret: ["new", "s3cret"] }),
    };
    const signed = await sign(rotating, body, { secretIndex: 1 });
    expect(signed.headers["x-sig"]).toBe(`sha256=${toHex(digest)}`);
    expect(signed.body).toEqual(body);
  });

  it("never puts the secret or the expected signature in a message", async () => {
    const outcome = await verify(scheme, request("sha256=00"));
    expect(JSON.stringify(outcome)).not.toContain("s3cret");
    expect(JSON.stringify(outcome)).not.toContain(toHex(digest));
  });
});

describe("encoding helpers match Node's Buffer", () => {
  it("round-trips random bytes through hex and base64", async () => {
    for (let n = 0; n < 70; n++) {
      const bytes = new Uint8Array(Array.from({ length: n }, (_, i) => (i * 37 + n) & 255));
      expect(toHex(bytes)).toBe(Buffer.from(bytes).toString("hex"));
      expect(toBase64(bytes)).toBe(Buffer.from(bytes).toString("base64"));
      expect(fromHex(toHex(bytes))).toEqual(bytes);
      expect(fromBase64(toBase64(bytes))).toEqual(bytes);
    }
  });
});

describe("one reading of a signature's text, whatever the scheme", () => {
  // Trimmed, then the optional prefix in any case, then the digest exactly as it is.
  const T = 1_774_000_000;
  const hex = (content: string) => toHex(createHmac("sha256", "s3cret").update(content).digest());
  const cases: [string, SignatureScheme, (text: (digest: string) => string) => WebhookRequest][] = [
    [
      "hmacSignature",
      hmacSignature({ header: "x-sig", prefix: "sha256=", secret: "s3cret" }),
      (text) => ({ method: "POST", headers: { "x-sig": text(toHex(digest)) }, rawBody: body }),
    ],
    [
      "timestampedHmacSignature with a prefix",
      timestampedHmacSignature({
        header: "x-sig",
        prefix: "sha256=",
        timestamp: { header: "x-ts" },
        signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
        secret: "s3cret",
      }),
      (text) => ({
        method: "POST",
        headers: { "x-sig": text(hex(`v0:${T}:${new TextDecoder().decode(body)}`)), "x-ts": String(T) },
        rawBody: body,
      }),
    ],
    [
      "bodyFieldSignature with a prefix",
      bodyFieldSignature({ prefix: "sha256=", secret: "s3cret" }),
      (text) => ({
        method: "POST",
        headers: {},
        rawBody: new TextEncoder().encode(
          `{"event":"x","signature":${JSON.stringify(text(hex('{"event":"x"}')))}}`,
        ),
      }),
    ],
  ];

  type Make = (typeof cases)[number][2];
  const outcome = (scheme: SignatureScheme, make: Make, text: (digest: string) => string) =>
    verify({ signature: scheme }, make(text), { now: T * 1000 });

  it.each(cases)("%s: surrounding whitespace and an upper-case prefix pass", async (_, scheme, make) => {
    for (const text of [(d: string) => `  SHA256=${d} `, (d: string) => `sha256=${d}`, (d: string) => d]) {
      expect((await outcome(scheme, make, text)).ok).toBe(true);
    }
  });

  it.each(cases)("%s: whitespace between the prefix and the digest is invalid", async (_, scheme, make) => {
    const refused = await outcome(scheme, make, (d) => `sha256= ${d}`);
    expect(refused).toMatchObject({ ok: false, code: "invalid_signature" });
  });
});

describe("signature/ stands below the rest of core", () => {
  it("imports only crypto (Ed25519 too), encoding, errors and types from above it (never providers/)", () => {
    const dir = new URL("../../packages/core/src/signature/", import.meta.url);
    // ed25519-crypto.js is crypto too: the DER headers of raw Ed25519 keys.
    const allowed = new Set([
      "../crypto.js",
      "../ed25519-crypto.js",
      "../encoding.js",
      "../errors.js",
      "../types.js",
    ]);
    const upward: string[] = [];
    for (const file of readdirSync(dir)) {
      const source = readFileSync(new URL(file, dir), "utf8");
      for (const [, from] of source.matchAll(/from "(\.\.\/[^"]+)"/g)) {
        if (!allowed.has(from!)) upward.push(`${file} → ${from}`);
      }
    }
    expect(upward).toEqual([]);
  });
});
