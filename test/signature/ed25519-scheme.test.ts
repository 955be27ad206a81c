import { generateKeyPairSync } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  type CryptoProvider,
  createReceiver,
  defaultCrypto,
  defineProvider,
  type Ed25519KeyInput,
  ed25519Signature,
  sign,
  verify,
  WebhookError,
  webCrypto,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

const NOW = 1_700_000_000;
const body = '{"type":1}';
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");

/** A fresh key pair as raw bytes, from node:crypto (JWK export is the raw key in base64url). */
function keyPair() {
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" });
  return {
    seed: new Uint8Array(Buffer.from(jwk.d!, "base64url")),
    publicKey: new Uint8Array(Buffer.from(jwk.x!, "base64url")),
    publicPem: publicKey.export({ format: "pem", type: "spki" }).toString(),
    privatePem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
  };
}

const discord = (keys: { publicKey?: Ed25519KeyInput; privateKey?: Ed25519KeyInput }) =>
  ed25519Signature({
    header: "X-Signature-Ed25519",
    timestamp: { header: "X-Signature-Timestamp" },
    signedContent: ({ timestamp, body }) => [timestamp, body],
    platform: "Discord",
    ...keys,
  });

// On Node the default provider is node:crypto.
const node = defaultCrypto();
const web = webCrypto();
const runtimes: [string, CryptoProvider][] = [
  ["node:crypto", node],
  ["Web Crypto", web],
];

const request = (headers: Record<string, string>, raw = body) => ({
  method: "POST",
  headers,
  rawBody: new TextEncoder().encode(raw),
});

describe("ed25519Signature", () => {
  it.each(runtimes)("signs and verifies a Discord-style delivery with %s", async (_, crypto) => {
    const pair = keyPair();
    const sender = { signature: discord({ privateKey: pair.seed }) };
    const receiver = { signature: discord({ publicKey: hex(pair.publicKey) }) };
    const wire = await sign(sender, body, { timestamp: NOW, crypto });
    expect(wire.headers["x-signature-timestamp"]).toBe(String(NOW));
    expect(wire.headers["x-signature-ed25519"]).toMatch(/^[0-9a-f]{128}$/);
    // What is signed is `${timestamp}${body}`, checked by an independent implementation.
    const signature = Uint8Array.from(Buffer.from(wire.headers["x-signature-ed25519"]!, "hex"));
    expect(ed25519.verify(signature, new TextEncoder().encode(`${NOW}${body}`), pair.publicKey)).toBe(true);
    const ok = await verify(receiver, request(wire.headers), { crypto, now: NOW * 1000 });
    expect(ok).toEqual({ ok: true });
    const tampered = await verify(receiver, request(wire.headers, '{"type":2}'), { crypto, now: NOW * 1000 });
    expect(tampered).toMatchObject({ ok: false, code: "invalid_signature" });
    const late = await verify(receiver, request(wire.headers), { crypto, now: (NOW + 301) * 1000 });
    expect(late).toMatchObject({ ok: false, code: "timestamp_out_of_range" });
  });

  it("accepts a public key as hex, base64, whpk_, PEM or 32 raw bytes, and a private key in each format", async () => {
    const pair = keyPair();
    const wire = await sign({ signature: discord({ privateKey: pair.privatePem }) }, body, {
      timestamp: NOW,
    });
    const publicForms = [
      hex(pair.publicKey),
      hex(pair.publicKey).toUpperCase(),
      b64(pair.publicKey),
      `whpk_${b64(pair.publicKey)}`,
      pair.publicPem,
      pair.publicKey,
    ];
    for (const publicKey of publicForms) {
      const outcome = await verify({ signature: discord({ publicKey }) }, request(wire.headers), {
        now: NOW * 1000,
      });
      expect(outcome).toEqual({ ok: true });
    }
    const seedAndPublic = new Uint8Array([...pair.seed, ...pair.publicKey]);
    const privateForms = [
      pair.seed,
      seedAndPublic,
      hex(pair.seed),
      b64(pair.seed),
      `whsk_${b64(pair.seed)}`,
      `whsk_${b64(seedAndPublic)}`,
    ];
    for (const privateKey of privateForms) {
      const again = await sign({ signature: discord({ privateKey }) }, body, { timestamp: NOW });
      // Ed25519 is deterministic: every form of one key gives the same signature.
      expect(again.headers).toEqual(wire.headers);
    }
  });

  it("refuses a bad key at configuration time with invalid_config, naming the option and never the key", () => {
    const pair = keyPair();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ publicKey: "abc" }, /publicKey is not a usable Ed25519 key: expected hex/],
      [{ publicKey: new Uint8Array(31) }, /raw bytes must be 32, got 31/],
      [{ publicKey: "" }, /is the environment variable set/],
      [{ publicKey: [hex(pair.publicKey), "nope"] }, /publicKey #2 is not a usable Ed25519 key/],
      [{ publicKey: `whsk_${b64(pair.seed)}` }, /this is a private key/],
      [{ publicKey: pair.privatePem }, /this is a private key/],
      [{ publicKey: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }, /HMAC secret/],
      [{ privateKey: `whpk_${b64(pair.publicKey)}` }, /this is a public key/],
      [
        { privateKey: `whsk_${b64(new Uint8Array(48))}` },
        /privateKey is not a usable Ed25519 key: expected "whsk_/,
      ],
      [{}, /pass the sender's Ed25519 public key/],
    ];
    for (const [keys, message] of cases) {
      let error: unknown;
      try {
        ed25519Signature({ header: "x-sig", platform: "Acme", ...keys });
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(WebhookError);
      expect((error as WebhookError).code).toBe("invalid_config");
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^Acme: /);
      expect((error as Error).message).not.toContain(b64(pair.seed));
    }
  });

  it("says signing needs the private key when the scheme holds only the public key", async () => {
    const pair = keyPair();
    await expect(sign({ signature: discord({ publicKey: pair.publicKey }) }, body)).rejects.toMatchObject({
      code: "invalid_config",
      message: expect.stringMatching(/signing needs the private key/),
    });
  });

  it("verifies a body-only scheme with base64 signatures, any key of a rotation, any entry of a repeated header", async () => {
    const [old, current, other] = [keyPair(), keyPair(), keyPair()];
    const scheme = (keys: object) =>
      ed25519Signature({ header: "x-sig", encoding: "base64", prefix: "ed25519=", ...keys });
    const receiver = { signature: scheme({ publicKey: [old.publicKey, current.publicKey] }) };
    const signedBy = async (pair: ReturnType<typeof keyPair>) =>
      (await sign({ signature: scheme({ privateKey: pair.seed }) }, body)).headers["x-sig"]!;
    expect(await signedBy(current)).toMatch(/^ed25519=[A-Za-z0-9+/]{86}==$/);
    for (const pair of [old, current]) {
      expect(await verify(receiver, request({ "x-sig": await signedBy(pair) }))).toEqual({ ok: true });
    }
    const joined = `${await signedBy(other)}, ${await signedBy(current)}`;
    expect(await verify(receiver, request({ "x-sig": joined }))).toEqual({ ok: true });
    const forged = await verify(receiver, request({ "x-sig": await signedBy(other) }));
    expect(forged).toMatchObject({ ok: false, code: "invalid_signature" });
    expect(await verify(receiver, request({}))).toMatchObject({ ok: false, code: "missing_signature" });
    expect(await verify(receiver, request({ "x-sig": "ed25519=???" }))).toMatchObject({
      code: "invalid_signature",
    });
  });

  it("falls back to the runtime's Ed25519 when an injected provider has only HMAC", async () => {
    const pair = keyPair();
    const hmacOnly: CryptoProvider = {
      hmac: node.hmac,
      sha256: node.sha256,
      timingSafeEqual: node.timingSafeEqual,
    };
    const wire = await sign({ signature: discord({ privateKey: pair.seed }) }, body, {
      timestamp: NOW,
      crypto: hmacOnly,
    });
    const outcome = await verify(
      { signature: discord({ publicKey: pair.publicKey }) },
      request(wire.headers),
      {
        crypto: hmacOnly,
        now: NOW * 1000,
      },
    );
    expect(outcome).toEqual({ ok: true });
  });

  it("drives a receiver built with defineProvider: 200 for a signed delivery, 401 for a forged one", async () => {
    const pair = keyPair();
    const provider = defineProvider({
      name: "acme-ed",
      signature: discord({ publicKey: hex(pair.publicKey) }),
      events: {},
      eventType: ({ body }) => String(body.type),
      idempotencyKey: ({ headers }) => headers["x-signature-ed25519"],
    });
    const receiver = createReceiver({ provider, now: () => NOW * 1000 });
    receiver.on("*", () => {});
    const wire = await sign({ signature: discord({ privateKey: pair.seed }) }, body, { timestamp: NOW });
    const res = await receiver.handle({ ...request(wire.headers), remoteAddress: "127.0.0.1" });
    expect(res.status, res.body).toBe(200);
    const forged = await receiver.handle(
      request({ ...wire.headers, "x-signature-timestamp": String(NOW + 1) }),
    );
    expect(forged.status).toBe(401);
    expect(forged.body).not.toContain(wire.headers["x-signature-ed25519"]);
  });

  it("on a Web Crypto without Ed25519, says so (and how to inject one) instead of a bare NotSupportedError", async () => {
    const pair = keyPair();
    const subtle = globalThis.crypto.subtle;
    const noEd25519 = new Proxy(subtle, {
      get: (target, name) =>
        name === "importKey"
          ? () => Promise.reject(new DOMException("Unrecognized algorithm name", "NotSupportedError"))
          : Reflect.get(target, name, target).bind(target),
    });
    const crypto = webCrypto(noEd25519);
    const wire = await sign({ signature: discord({ privateKey: pair.seed }) }, body, { timestamp: NOW });
    const outcome = verify({ signature: discord({ publicKey: pair.publicKey }) }, request(wire.headers), {
      crypto,
      now: NOW * 1000,
    });
    await expect(outcome).rejects.toThrow(/Web Crypto has no Ed25519.*@noble\/curves/);
  });

  it("uses an injected provider's Ed25519 when it has one (the receiver's crypto option)", async () => {
    const pair = keyPair();
    const calls: number[] = [];
    const counting: CryptoProvider = {
      ...web,
      ed25519Verify: (key, signature, data) => {
        calls.push(data.length);
        return web.ed25519Verify!(key, signature, data);
      },
    };
    const provider = defineProvider({
      name: "acme-ed",
      signature: discord({ publicKey: pair.publicKey }),
      events: {},
      eventType: () => "ping",
      idempotencyKey: ({ headers }) => headers["x-signature-timestamp"],
    });
    const receiver = createReceiver({ provider, crypto: counting, now: () => NOW * 1000 });
    receiver.on("*", () => {});
    const wire = await sign({ signature: discord({ privateKey: pair.seed }) }, body, { timestamp: NOW });
    expect((await receiver.handle(request(wire.headers))).status).toBe(200);
    expect(calls).toEqual([`${NOW}${body}`.length]);
  });
  it("one budget per request: 8 signatures × 4 timestamps × 3 keys costs at most 8 × 3 verifications", async () => {
    const pairs = [keyPair(), keyPair(), keyPair()];
    let calls = 0;
    const counting: CryptoProvider = {
      ...node,
      ed25519Verify: (key, signature, data) => {
        calls++;
        return node.ed25519Verify!(key, signature, data);
      },
    };
    const receiverScheme = discord({ publicKey: pairs.map((pair) => hex(pair.publicKey)) });
    const junk = Array.from({ length: 8 }, () => hex(globalThis.crypto.getRandomValues(new Uint8Array(64))));
    const forged = request({
      "x-signature-ed25519": junk.join(", "),
      "x-signature-timestamp": [NOW, NOW + 1, NOW + 2, NOW + 3].join(", "),
    });
    const outcome = await verify({ signature: receiverScheme }, forged, {
      crypto: counting,
      now: NOW * 1000,
    });
    expect(outcome).toMatchObject({ ok: false });
    expect(calls).toBe(8 * 3); // was 8 × 4 × 3 = 96

    // A real delivery still verifies under the third key of the rotation, behind a stale signature.
    calls = 0;
    const wire = await sign({ signature: discord({ privateKey: pairs[2]!.seed }) }, body, { timestamp: NOW });
    const rotated = request({
      ...wire.headers,
      "x-signature-ed25519": `${junk[0]}, ${wire.headers["x-signature-ed25519"]}`,
    });
    expect(
      await verify({ signature: receiverScheme }, rotated, { crypto: counting, now: NOW * 1000 }),
    ).toEqual({
      ok: true,
    });
  });
});
