import { createHash, createHmac } from "node:crypto";
import {
  bodyFieldSignature,
  hmacSignature,
  nodeCrypto,
  sign,
  standardWebhooksSignature,
  utf8Bytes,
  verify,
  webCrypto,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { encodeSecrets } from "../../packages/core/src/signature/secrets.js";

// The signature schemes' options and refusals at their edges: secret encodings and their errors, the
// body-embedded scheme's prefix and empty values, Standard Webhooks' required headers, and both crypto
// providers' digests (from mutation survivors).

const post = (headers: Record<string, string>, body: string | Uint8Array) => ({
  method: "POST",
  headers,
  rawBody: typeof body === "string" ? utf8Bytes(body) : body,
});

describe("encodeSecrets", () => {
  it("drops whitespace around a base64 secret (a secret file's newline), never inside a UTF-8 one", () => {
    const key = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const exact = encodeSecrets(key, "whsec-base64", "Acme");
    for (const padded of [`${key}\n`, `  ${key}\r\n`, `\t${key} `]) {
      expect(encodeSecrets(padded, "whsec-base64", "Acme")).toEqual(exact);
    }
    expect(encodeSecrets("b2s=\n", "base64", "Acme")).toEqual(encodeSecrets("b2s=", "base64", "Acme"));
    // UTF-8: the bytes as given, whitespace included (it is part of the key there).
    expect(encodeSecrets("secret\n", "utf8", "Acme")[0]?.length).toBe(7);
  });

  it("refuses no secret, an empty one and bad base64, naming which secret (1-based)", () => {
    expect(() => encodeSecrets([], "utf8", "Acme")).toThrow(/^Acme: no secret was given\./);
    expect(() => encodeSecrets(["ok", new Uint8Array(0)], "utf8", "Acme")).toThrow(
      /Acme: secret #2 is empty\./,
    );
    expect(() => encodeSecrets(["b2s=", "!!!"], "base64", "Acme")).toThrow(
      /secret #2 is not valid base64 \(secretEncoding: "base64"\)/,
    );
    // Where it goes wrong (1-based, in the secret as given), never what it holds.
    expect(() => encodeSecrets(["whsec_ab cd"], "whsec-base64", "Acme")).toThrow(
      /secret #1 is not valid base64 \(secretEncoding: "whsec-base64"\): character 9 is not a base64 character\./,
    );
    expect(() => encodeSecrets(["  ab*d"], "base64", "Acme")).toThrow(
      /: character 5 is not a base64 character\./,
    );
    expect(() => encodeSecrets(["abc=defg"], "base64", "Acme")).toThrow(
      /: "=" padding at character 4 is not at the end\./,
    );
    expect(() => encodeSecrets(["abcde"], "base64", "Acme")).toThrow(
      /: its length is not one base64 can have/,
    );
    // A prefix that would otherwise decode into key bytes ("_" is base64url): every delivery would fail.
    const key = "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    expect(() => encodeSecrets([`whsec_whsec_${key}`], "whsec-base64", "Acme")).toThrow(
      /secret #1 has its whsec_ prefix twice/,
    );
    expect(() => encodeSecrets([`WHSEC_${key}`], "whsec-base64", "Acme")).toThrow(/upper-case WHSEC_ prefix/);
    expect(() => encodeSecrets([`whsec_${key}`], "base64", "Acme")).toThrow(
      /starts with whsec_, which base64 would decode as key bytes/,
    );
    expect(() => encodeSecrets(["whsec_ \n"], "whsec-base64", "Acme")).toThrow(
      /: it holds no key after its whsec_ prefix\./,
    );
    for (const bad of [
      () => encodeSecrets([], "utf8", "Acme"),
      () => encodeSecrets(["!!"], "base64", "Acme"),
    ]) {
      expect(bad).toThrow(expect.objectContaining({ code: "invalid_config" }));
    }
  });

  it("uses bytes as given, and drops whsec_ only as a prefix", () => {
    const raw = new Uint8Array([1, 2, 3]);
    expect(encodeSecrets(raw, "base64", "Acme")).toEqual([raw]);
    expect(encodeSecrets("whsec_AQID", "whsec-base64", "Acme")).toEqual([new Uint8Array([1, 2, 3])]);
    expect(encodeSecrets("AQID", "whsec-base64", "Acme")).toEqual([new Uint8Array([1, 2, 3])]);
    // "whsec_" elsewhere is not a prefix: the text is base64 as it is (and "_" is URL-safe base64).
    expect(() => encodeSecrets("AQIDwhsec_", "whsec-base64", "Acme")).not.toThrow();
    expect(encodeSecrets("AQIDwhsec_", "whsec-base64", "Acme")[0]).not.toEqual(new Uint8Array([1, 2, 3]));
  });
});

describe("bodyFieldSignature", () => {
  const body = '{"event":"x","id":1}';
  const digest = (text: string) => createHmac("sha256", "s3cret").update(text).digest("hex");
  const withSig = (value: string) => `{"event":"x","id":1,"signature":${JSON.stringify(value)}}`;

  it("accepts the prefix present or absent, and refuses an empty or blank value as missing", async () => {
    const scheme = { signature: bodyFieldSignature({ secret: "s3cret", prefix: "sha256=" }) };
    expect(await verify(scheme, post({}, withSig(`sha256=${digest(body)}`)))).toMatchObject({ ok: true });
    expect(await verify(scheme, post({}, withSig(`SHA256=${digest(body)}`)))).toMatchObject({ ok: true });
    expect(await verify(scheme, post({}, withSig(digest(body))))).toMatchObject({ ok: true });
    for (const blank of ["", "   "]) {
      const outcome = await verify(scheme, post({}, withSig(blank)));
      expect(outcome).toMatchObject({ ok: false, code: "missing_signature" });
      expect(outcome.ok === false && outcome.message).toMatch(
        /no single top-level "signature" string, where the sender puts its signature\. Is/,
      );
    }
    const wrong = await verify(scheme, post({}, withSig(digest("other"))));
    expect(wrong.ok === false && wrong.message).toMatch(/^The "signature" member does not match the body/);
  });

  it("a prefix is only stripped at the start", async () => {
    const scheme = { signature: bodyFieldSignature({ secret: "s3cret", prefix: "v1:" }) };
    expect(await verify(scheme, post({}, withSig(`${digest(body)}v1:`)))).toMatchObject({ ok: false });
  });

  it("sign() refuses a body that is not a JSON object, with invalid_config", async () => {
    const scheme = { signature: bodyFieldSignature({ secret: "s3cret", platform: "Ship" }) };
    await expect(sign(scheme, "[1,2]")).rejects.toMatchObject({
      code: "invalid_config",
      message: 'Ship: sign() needs a JSON object body to embed "signature" in.',
    });
    expect(scheme.signature.name).toBe("body-field-hmac-sha256");
  });

  it("sign() uses the chosen secret of a rotation list", async () => {
    const scheme = { signature: bodyFieldSignature({ secret: ["new", "s3cret"] }) };
    const signed = await sign(scheme, body, { secretIndex: 1 });
    expect(new TextDecoder().decode(signed.body)).toBe(withSig(digest(body)));
  });
});

describe("standardWebhooksSignature", () => {
  const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const scheme = { signature: standardWebhooksSignature({ secret }) };
  const at = 1_700_000_000;

  it("refuses a delivery without its id or timestamp header, however well signed", async () => {
    const signed = await sign(scheme, "{}", { id: "msg_1", timestamp: at });
    expect(await verify(scheme, post(signed.headers, "{}"), { now: at * 1000 })).toMatchObject({ ok: true });
    for (const drop of ["webhook-id", "webhook-timestamp"]) {
      const headers = { ...signed.headers };
      delete headers[drop];
      expect(await verify(scheme, post(headers, "{}"), { now: at * 1000 }), drop).toMatchObject({
        ok: false,
        code: "invalid_signature",
      });
    }
    const missing = await verify(scheme, post({ "webhook-id": "msg_1" }, "{}"));
    expect(missing.ok === false && missing.message).toMatch(
      /^The webhook-signature \(or svix-signature\) header is missing/,
    );
    expect(scheme.signature.name).toBe("standard-webhooks-v1");
  });

  it("sign() makes an id when none is given, and uses the chosen secret", async () => {
    const rotating = { signature: standardWebhooksSignature({ secret: ["whsec_AQID", secret] }) };
    const signed = await sign(rotating, "{}", { timestamp: at, secretIndex: 1 });
    expect(signed.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(await verify(scheme, post(signed.headers, "{}"), { now: at * 1000 })).toMatchObject({ ok: true });
  });
});

describe("hmacSignature digests of the wrong length", () => {
  it("refuses a sha256-sized digest under sha512 and the reverse", async () => {
    const body = "{}";
    const s256 = createHmac("sha256", "k").update(body).digest("hex");
    const s512 = createHmac("sha512", "k").update(body).digest("hex");
    const sha512 = { signature: hmacSignature({ header: "x-sig", secret: "k", algorithm: "sha512" }) };
    expect(await verify(sha512, post({ "x-sig": s512 }, body))).toMatchObject({ ok: true });
    expect(await verify(sha512, post({ "x-sig": s256 }, body))).toMatchObject({ ok: false });
    expect(await verify(sha512, post({ "x-sig": ` ${s512} ` }, body))).toMatchObject({ ok: true });
  });
});

describe("crypto providers", () => {
  it("nodeCrypto's sha256 and sha256Hex are SHA-256 of the bytes", async () => {
    const node = nodeCrypto((await import("node:crypto")) as unknown as Parameters<typeof nodeCrypto>[0]);
    const data = utf8Bytes("abc");
    const expected = createHash("sha256").update("abc").digest();
    expect(Buffer.from(await node.sha256(data))).toEqual(expected);
    expect(await node.sha256Hex?.(data)).toBe(expected.toString("hex"));
  });

  it("webCrypto computes SHA-256 and SHA-512 HMACs with the same key bytes, each right", async () => {
    const web = webCrypto();
    const key = utf8Bytes("k");
    const data = utf8Bytes("abc");
    for (const alg of ["sha256", "sha512", "sha256"] as const) {
      const mac = Buffer.from(await web.hmac(alg, key, data));
      expect(mac, alg).toEqual(createHmac(alg, "k").update("abc").digest());
    }
    expect(Buffer.from(await web.sha256(data))).toEqual(createHash("sha256").update("abc").digest());
  });
});
