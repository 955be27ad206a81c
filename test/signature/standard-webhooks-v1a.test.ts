import { readFileSync } from "node:fs";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  type CryptoProvider,
  createReceiver,
  defaultCrypto,
  providers,
  sign,
  verify,
  webCrypto,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { recordAll } from "../providers/support.js";
import { send } from "../support/http.js";

/** Published vectors (test/fixtures/vectors/README.md names the sources). */
const vectors = JSON.parse(
  readFileSync(fileURLToPath(new URL("../fixtures/vectors/signatures.json", import.meta.url)), "utf8"),
);
// biome-ignore lint/suspicious/noExplicitAny: vector records are JSON read at run time
const byId = (id: string): Record<string, any> =>
  vectors.standard_webhooks.find((v: { id: string }) => v.id === id);
// The v1a vector and sw-sign-1 sign the same message id, timestamp and payload: one with Ed25519, one with HMAC.
const v1a = byId("sw-ed25519-v1a");
const v1 = byId("sw-sign-1");

const utf8 = (text: string) => new TextEncoder().encode(text);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const post = (
  signature: string,
  body: string = v1a.payload,
  id: string = v1a.msgId,
  timestamp = v1a.timestamp,
) => ({
  method: "POST",
  headers: { "webhook-id": id, "webhook-timestamp": String(timestamp), "webhook-signature": signature },
  rawBody: utf8(body),
});
const at = { now: v1a.timestamp * 1000 };
const runtimes: [string, CryptoProvider][] = [
  ["node:crypto", defaultCrypto()],
  ["Web Crypto", webCrypto()],
];

describe("Standard Webhooks v1a (Ed25519)", () => {
  it("shares its message with the v1 vector (the mixed-list cases rely on it)", () => {
    expect([v1.msgId, v1.timestamp, v1.payload]).toEqual([v1a.msgId, v1a.timestamp, v1a.payload]);
  });

  it.each(runtimes)(
    "verifies the published v1a vector with the whpk_ key, and signs it byte-exact with whsk_ (%s)",
    async (_, crypto) => {
      const receiver = providers.standardWebhooks({ publicKey: v1a.publicKey });
      expect(await verify(receiver, post(v1a.expectedSignatureHeader), { ...at, crypto })).toEqual({
        ok: true,
      });
      // Like the standard's own libraries, a whpk_ text passed as `secret` is the public key.
      const viaSecret = providers.standardWebhooks({ secret: v1a.publicKey });
      expect(await verify(viaSecret, post(v1a.expectedSignatureHeader), { ...at, crypto })).toEqual({
        ok: true,
      });
      // Ed25519 is deterministic: the private key reproduces the published signature exactly.
      const sender = providers.standardWebhooks({ privateKey: v1a.secretKey });
      const wire = await sign(sender, v1a.payload, { id: v1a.msgId, timestamp: v1a.timestamp, crypto });
      expect(wire.headers["webhook-signature"]).toBe(v1a.expectedSignatureHeader);
    },
  );

  it.each(runtimes)(
    "refuses a changed body, id or timestamp, and a signature under another key (%s)",
    async (_, crypto) => {
      const receiver = providers.standardWebhooks({ publicKey: v1a.publicKey });
      const sig = v1a.expectedSignatureHeader;
      const refused = { ok: false, code: "invalid_signature" };
      expect(await verify(receiver, post(sig, '{"test": 2432232315}'), { ...at, crypto })).toMatchObject(
        refused,
      );
      expect(await verify(receiver, post(sig, v1a.payload, "msg_other"), { ...at, crypto })).toMatchObject(
        refused,
      );
      const later = { now: (v1a.timestamp + 1) * 1000, crypto };
      expect(
        await verify(receiver, post(sig, v1a.payload, v1a.msgId, v1a.timestamp + 1), later),
      ).toMatchObject(refused);
      const other = ed25519.utils.randomSecretKey();
      const forged = ed25519.sign(utf8(`${v1a.msgId}.${v1a.timestamp}.${v1a.payload}`), other);
      expect(await verify(receiver, post(`v1a,${b64(forged)}`), { ...at, crypto })).toMatchObject(refused);
      // A v1a signature given as v1 (HMAC) is not read as Ed25519, and garbage is refused, not crashed.
      expect(await verify(receiver, post(sig.replace("v1a,", "v1,")), { ...at, crypto })).toMatchObject(
        refused,
      );
      expect(await verify(receiver, post("v1a,!!!! v1a, v1a"), { ...at, crypto })).toMatchObject(refused);
      // The window still holds once the signature matches.
      const late = { now: (v1a.timestamp + 301) * 1000, crypto };
      expect(await verify(receiver, post(sig), late)).toMatchObject({
        ok: false,
        code: "timestamp_out_of_range",
      });
    },
  );

  it("verifies a mixed v1/v1a list when any entry matches a configured secret or public key", async () => {
    const bogusV1 = "v1,R3PTzyfHASBKHH98a7yexTwaJ4yNIcGhFQc1yuN+BPU=";
    const bogusV1a = `v1a,${b64(new Uint8Array(64).fill(7))}`;
    const both = providers.standardWebhooks({ secret: v1.secret, publicKey: v1a.publicKey });
    const hmacOnly = providers.standardWebhooks({ secret: v1.secret });
    const edOnly = providers.standardWebhooks({ publicKey: v1a.publicKey });
    const cases: [string, Record<string, boolean>][] = [
      // The spec's example header: v1 then v1a, both valid here.
      [
        `${v1.expectedSignatureHeader} ${v1a.expectedSignatureHeader}`,
        { both: true, hmacOnly: true, edOnly: true },
      ],
      [`${bogusV1} ${v1a.expectedSignatureHeader}`, { both: true, hmacOnly: false, edOnly: true }],
      [`${v1.expectedSignatureHeader} ${bogusV1a}`, { both: true, hmacOnly: true, edOnly: false }],
      [`${bogusV1} ${bogusV1a}`, { both: false, hmacOnly: false, edOnly: false }],
      // A repeated header, joined by Node with ", ".
      [`${bogusV1}, ${v1a.expectedSignatureHeader}`, { both: true, hmacOnly: false, edOnly: true }],
      // Versions this receiver does not know are skipped (v2, v2a, …).
      [
        `v2a,${b64(new Uint8Array(64))} ${v1a.expectedSignatureHeader}`,
        { both: true, hmacOnly: false, edOnly: true },
      ],
    ];
    for (const [header, expected] of cases) {
      for (const [name, provider] of Object.entries({ both, hmacOnly, edOnly })) {
        const outcome = await verify(provider, post(header), at);
        expect(outcome.ok, `${name}: ${header}`).toBe(expected[name]);
      }
    }
    // A sender holding both keys signs with both, space-separated as the spec's example.
    const sender = providers.standardWebhooks({ secret: v1.secret, privateKey: v1a.secretKey });
    const wire = await sign(sender, v1a.payload, { id: v1a.msgId, timestamp: v1a.timestamp });
    expect(wire.headers["webhook-signature"]).toBe(
      `${v1.expectedSignatureHeader} ${v1a.expectedSignatureHeader}`,
    );
  });

  it("interoperates with @noble/curves both ways: noble signs → we verify; we sign → noble verifies", async () => {
    for (let i = 0; i < 5; i++) {
      const seed = ed25519.utils.randomSecretKey();
      const publicKey = ed25519.getPublicKey(seed);
      const id = `msg_${i}`;
      const timestamp = v1a.timestamp + i;
      const body = JSON.stringify({ type: "invoice.paid", n: i, text: "é✓" });
      const content = utf8(`${id}.${timestamp}.${body}`);
      const theirs = `v1a,${b64(ed25519.sign(content, seed))}`;
      for (const [, crypto] of runtimes) {
        const receiver = providers.standardWebhooks({ publicKey: `whpk_${b64(publicKey)}` });
        const outcome = await verify(receiver, post(theirs, body, id, timestamp), {
          now: timestamp * 1000,
          crypto,
        });
        expect(outcome).toEqual({ ok: true });
        const sender = providers.standardWebhooks({ privateKey: `whsk_${b64(seed)}` });
        const wire = await sign(sender, body, { id, timestamp, crypto });
        const ours = Buffer.from(wire.headers["webhook-signature"]!.slice("v1a,".length), "base64");
        expect(ed25519.verify(new Uint8Array(ours), content, publicKey)).toBe(true);
        expect(wire.headers["webhook-signature"]).toBe(theirs);
      }
    }
  });

  it("says what is missing: no key at all, or signing with only a public key", async () => {
    expect(() => providers.standardWebhooks({})).toThrow(/secret: "whsec_…".*publicKey: "whpk_…"/);
    const receiver = providers.standardWebhooks({ publicKey: v1a.publicKey });
    await expect(sign(receiver, "{}")).rejects.toMatchObject({ code: "invalid_config" });
  });
});

describe("Standard Webhooks v1a over real HTTP", () => {
  const serve = listenPerTest();

  it("a v1a delivery through node:http is 200 once and a duplicate on retry; a forged one is 401", async () => {
    const provider = providers.standardWebhooks({ publicKey: v1a.publicKey });
    const receiver = createReceiver({ provider });
    const seen = recordAll(receiver);
    const url = await serve(
      http.createServer(createNodeHandler(receiver, { path: "/webhooks" })),
      "/webhooks",
    );
    const sender = providers.standardWebhooks({ privateKey: v1a.secretKey });
    const wire = await sign(sender, '{"type":"invoice.paid"}', { id: "msg_http_1" });
    const headers = { ...wire.headers, "content-type": "application/json" };
    expect((await send(url, { headers, body: wire.body })).status).toBe(200);
    expect((await send(url, { headers, body: wire.body })).json).toMatchObject({ duplicate: true });
    const forged = await send(url, { headers, body: utf8('{"type":"invoice.voided"}') });
    expect(forged.status).toBe(401);
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
