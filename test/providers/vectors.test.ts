import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  defineProvider,
  hmacSignature,
  type Provider,
  providers,
  sign,
  timestampedHmacSignature,
  utf8Bytes,
  verify,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";

/** Published upstream test vectors, kept in the repository (test/fixtures/vectors/README.md names the sources). */
const VECTORS_PATH =
  process.env.WEBHOOK_KIT_VECTORS ??
  fileURLToPath(new URL("../fixtures/vectors/signatures.json", import.meta.url));
const vectors = JSON.parse(readFileSync(VECTORS_PATH, "utf8"));

type Payload = string | { repeat: string; count: number };
const text = (payload: Payload) =>
  typeof payload === "string" ? payload : payload.repeat.repeat(payload.count);
const post = (headers: Record<string, string>, body: string) => ({
  method: "POST",
  headers,
  rawBody: utf8Bytes(body),
});
const anyEvents = { "*": z.unknown() };
// biome-ignore lint/suspicious/noExplicitAny: vector records are heterogeneous JSON read at run time
type Vector = Record<string, any>;
const cases = (list: Vector[], name: string): [string, Vector][] => list.map((v) => [v[name] as string, v]);

describe("standard-webhooks-v1 vectors → providers.standardWebhooks", () => {
  const swVectors = (vectors.standard_webhooks as Vector[]).filter(
    (v) => v.scheme === "standard-webhooks-v1",
  );

  it.each(cases(swVectors, "id"))("%s", async (_, v) => {
    const body = text(v.payload);
    const header = v.expectedSignatureHeader ?? v.signatureHeader;
    const now = v.timestamp * 1000;
    for (const family of ["webhook", "svix"] as const) {
      const provider = providers.standardWebhooks({ secret: v.secret, headers: family });
      const headers = {
        [`${family}-id`]: v.msgId,
        [`${family}-timestamp`]: String(v.timestamp),
        [`${family}-signature`]: header,
      };
      const outcome = await verify(provider, post(headers, body), { now });
      expect(outcome.ok, `${v.id} via ${family}-*`).toBe(v.valid);
      if (v.expectedSignatureHeader) {
        const signed = await sign(provider, body, { id: v.msgId, timestamp: v.timestamp });
        expect(signed.headers[`${family}-signature`]).toBe(v.expectedSignatureHeader);
      }
    }
  });

  it("rejects a valid signature outside the ±300 s window, in both directions, and honours a custom window", async () => {
    const v = vectors.standard_webhooks[0];
    const headers = {
      "webhook-id": v.msgId,
      "webhook-timestamp": String(v.timestamp),
      "webhook-signature": v.expectedSignatureHeader,
    };
    const provider = providers.standardWebhooks({ secret: v.secret });
    const at = (deltaSeconds: number) =>
      verify(provider, post(headers, v.payload), { now: (v.timestamp + deltaSeconds) * 1000 });
    expect((await at(300)).ok).toBe(true);
    expect((await at(-300)).ok).toBe(true);
    expect(await at(301)).toMatchObject({ ok: false, code: "timestamp_out_of_range" });
    expect(await at(-301)).toMatchObject({ ok: false, code: "timestamp_out_of_range" });
    const lenient = providers.standardWebhooks({ secret: v.secret, toleranceSeconds: 3600 });
    expect((await verify(lenient, post(headers, v.payload), { now: (v.timestamp + 3000) * 1000 })).ok).toBe(
      true,
    );
  });

  it("the v1a (ed25519) vector is not an HMAC: this preset skips v1a entries, so it is rejected, not crashed", async () => {
    const v = vectors.standard_webhooks.find((x: { id: string }) => x.id === "sw-ed25519-v1a");
    const provider = providers.standardWebhooks({ secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" });
    const headers = {
      "webhook-id": v.msgId,
      "webhook-timestamp": String(v.timestamp),
      "webhook-signature": v.expectedSignatureHeader,
    };
    expect(await verify(provider, post(headers, v.payload), { now: v.timestamp * 1000 })).toMatchObject({
      ok: false,
      code: "invalid_signature",
    });
  });
});

describe("stripe-v1 vectors → providers.stripe", () => {
  const stripeCases = (vectors.stripe as Vector[]).flatMap((v) =>
    (v.cases as Vector[]).map((c, i): [string, Vector, Vector] => [
      `${v.id} #${i + 1} (${c.valid ? "valid" : (c.reason ?? "invalid")})`,
      v,
      c,
    ]),
  );

  it.each(stripeCases)("%s", async (_, v, c) => {
    const provider = providers.stripe({ secret: v.secret, toleranceSeconds: c.tolerance });
    const outcome = await verify(provider, post({ "stripe-signature": v.header }, v.payload), {
      now: c.now * 1000,
    });
    expect(outcome.ok).toBe(c.valid);
  });

  it("signs the fixture to the published v1 value", async () => {
    const v = vectors.stripe[0];
    const signed = await sign(providers.stripe({ secret: v.secret }), v.payload, { timestamp: v.timestamp });
    const v1 = v.header.split(",").find((p: string) => p.startsWith("v1="));
    expect(signed.headers["stripe-signature"]).toBe(`t=${v.timestamp},${v1}`);
  });
});

describe("shopify-hmac-base64 vector → defineProvider + hmacSignature({ encoding: 'base64' })", () => {
  it.each(cases(vectors.shopify, "id"))("%s", async (_, v) => {
    const shopify: Provider = defineProvider({
      name: "shopify",
      signature: hmacSignature({
        header: "X-Shopify-Hmac-Sha256",
        encoding: "base64",
        secret: v.secret,
        platform: "Shopify",
      }),
      events: anyEvents,
      eventType: ({ headers }) => headers["x-shopify-topic"],
      idempotencyKey: ({ headers }) => headers["x-shopify-webhook-id"],
    });
    expect((await verify(shopify, post({ "x-shopify-hmac-sha256": v.hmacHeader }, v.body))).ok).toBe(v.valid);
    expect((await sign(shopify, v.body)).headers["x-shopify-hmac-sha256"]).toBe(v.hmacHeader);
    const tampered = `${v.body} `;
    expect((await verify(shopify, post({ "x-shopify-hmac-sha256": v.hmacHeader }, tampered))).ok).toBe(false);
  });
});

describe("slack-v0 vector → timestampedHmacSignature", () => {
  it.each(cases(vectors.slack, "id"))("%s", async (_, v) => {
    const slack = {
      signature: timestampedHmacSignature({
        header: "x-slack-signature",
        prefix: "v0=",
        timestamp: { header: "x-slack-request-timestamp" },
        signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
        secret: v.signingSecret,
        platform: "Slack",
      }),
    };
    const headers = { "x-slack-signature": v.signature, "x-slack-request-timestamp": String(v.timestamp) };
    const now = v.timestamp * 1000;
    expect((await verify(slack, post(headers, v.body), { now })).ok).toBe(v.valid);
    expect((await sign(slack, v.body, { timestamp: v.timestamp })).headers).toEqual(headers);
    expect(await verify(slack, post(headers, v.body), { now: now + 301_000 })).toMatchObject({
      code: "timestamp_out_of_range",
    });
    const noTimestamp = { "x-slack-signature": v.signature };
    expect(await verify(slack, post(noTimestamp, v.body), { now })).toMatchObject({
      code: "invalid_signature",
    });
  });
});

describe("convoy vectors → hmacSignature (simple) and timestampedHmacSignature (advanced)", () => {
  const convoy = (v: Vector) => {
    const algorithm = v.hash === "SHA512" ? "sha512" : "sha256";
    return {
      signature: v.advanced
        ? timestampedHmacSignature({
            header: "x-convoy-signature",
            timestamp: { key: "t" },
            signatureKey: "v1",
            signedContent: ({ timestamp, body }) => [timestamp, ",", body],
            algorithm,
            encoding: v.encoding,
            toleranceSeconds: v.tolerance,
            secret: v.secret,
            platform: "Convoy",
          })
        : hmacSignature({ header: "x-convoy-signature", algorithm, encoding: v.encoding, secret: v.secret }),
    };
  };

  it.each(cases(vectors.convoy.vectors, "name"))("%s", async (_, v) => {
    // The README asks for the real clock: valid cases carry a ~100-year window, advanced_expired 300 s.
    const outcome = await verify(convoy(v), post({ "x-convoy-signature": v.header }, v.payload), {
      now: Date.now(),
    });
    expect(outcome.ok).toBe(v.valid);
  });
});
