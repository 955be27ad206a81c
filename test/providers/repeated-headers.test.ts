import http from "node:http";
import {
  createReceiver,
  defineProvider,
  type Provider,
  providers,
  type ReceiverCore,
  sign,
  timestampedHmacSignature,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { recordAll, SECRET } from "./support.js";

/**
 * A signature header that arrives twice (a proxy that adds its own copy, a sender that repeats it) reaches
 * the receiver as one value joined with ", " by Node. Any valid entry must verify, in either order; a
 * list of forged entries must not.
 */
const serve = listenPerTest();
const listen = (receiver: ReceiverCore) =>
  serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks" })), "/webhooks");

const SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER = "whsec_b3RoZXItc2VjcmV0LW5vdC1jb25maWd1cmVk";
const NOW = Math.floor(Date.now() / 1000);

/** Signs the body with the configured secret and with another one; returns the header values of each. */
async function twoCopies(make: (secret: string) => Provider, body: string, options = {}, secret = SECRET) {
  const good = await sign(make(secret), body, options);
  const forged = await sign(make(OTHER), body, options);
  return { good: good.headers, forged: forged.headers };
}

async function postWithRepeated(
  provider: Provider,
  header: string,
  values: string[],
  base: Record<string, string>,
  body: string,
) {
  const receiver = createReceiver({ provider });
  const seen = recordAll(receiver);
  const url = await listen(receiver);
  const res = await send(url, {
    headers: { "content-type": "application/json", ...base, [header]: values },
    body,
  });
  return { status: res.status, error: res.json.error, seen };
}

describe("repeated signature headers (joined with ', ' by Node)", () => {
  it("standardWebhooks: webhook-signature twice — the valid entry verifies first or last", async () => {
    const make = (secret: string) => providers.standardWebhooks({ secret });
    const body = JSON.stringify({ type: "invoice.paid", data: {} });
    const { good, forged } = await twoCopies(make, body, { id: "msg_1", timestamp: NOW }, SW_SECRET);
    const base = { "webhook-id": "msg_1", "webhook-timestamp": String(NOW) };
    const h = "webhook-signature";
    for (const order of [
      [good[h]!, forged[h]!],
      [forged[h]!, good[h]!],
    ]) {
      const res = await postWithRepeated(make(SW_SECRET), h, order, base, body);
      expect(res).toMatchObject({ status: 200, error: undefined });
      expect(res.seen).toHaveBeenCalledTimes(1);
    }
    const refused = await postWithRepeated(make(SW_SECRET), h, [forged[h]!, forged[h]!], base, body);
    expect(refused).toMatchObject({ status: 401, error: "invalid_signature" });
  });

  it("github (hmac, sha256= prefix required): X-Hub-Signature-256 twice — the valid entry verifies", async () => {
    const make = (secret: string) => providers.github({ secret });
    const body = JSON.stringify({ zen: "Keep it simple.", hook_id: 1 });
    const { good, forged } = await twoCopies(make, body);
    const h = "x-hub-signature-256";
    const base = { "x-github-event": "ping", "x-github-delivery": "d-1" };
    for (const order of [
      [good[h]!, forged[h]!],
      [forged[h]!, good[h]!],
    ]) {
      const res = await postWithRepeated(make(SECRET), h, order, base, body);
      expect(res).toMatchObject({ status: 200, error: undefined });
    }
    const refused = await postWithRepeated(make(SECRET), h, [forged[h]!, forged[h]!], base, body);
    expect(refused).toMatchObject({ status: 401, error: "invalid_signature" });
  });

  it("stripe: Stripe-Signature twice (each t=…,v1=…) — the valid copy verifies in either order", async () => {
    const make = (secret: string) => providers.stripe({ secret });
    const body = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "invoice.paid",
      created: NOW,
      livemode: false,
      data: { object: {} },
    });
    const good = await sign(make(SECRET), body, { timestamp: NOW });
    const forged = await sign(make(OTHER), body, { timestamp: NOW - 1 });
    const h = "stripe-signature";
    for (const order of [
      [good.headers[h]!, forged.headers[h]!],
      [forged.headers[h]!, good.headers[h]!],
    ]) {
      const res = await postWithRepeated(make(SECRET), h, order, {}, body);
      expect(res).toMatchObject({ status: 200, error: undefined });
    }
    const refused = await postWithRepeated(
      make(SECRET),
      h,
      [forged.headers[h]!, forged.headers[h]!],
      {},
      body,
    );
    expect(refused).toMatchObject({ status: 401, error: "invalid_signature" });
  });

  it("a Slack-style timestamped header with a prefix (v0=…) twice — the valid entry verifies", async () => {
    const make = (secret: string) =>
      defineProvider({
        name: "slackish",
        signature: timestampedHmacSignature({
          header: "x-slack-signature",
          prefix: "v0=",
          timestamp: { header: "x-slack-request-timestamp" },
          signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
          secret,
        }),
        events: { app_mention: z.looseObject({ event_id: z.string() }) },
        eventType: ({ body }) => body.type as string | undefined,
        idempotencyKey: ({ body }) => body.event_id as string | undefined,
      });
    const body = JSON.stringify({ type: "app_mention", event_id: "Ev1" });
    const { good, forged } = await twoCopies(make, body, { timestamp: NOW });
    const h = "x-slack-signature";
    const base = { "x-slack-request-timestamp": String(NOW) };
    for (const order of [
      [good[h]!, forged[h]!],
      [forged[h]!, good[h]!],
    ]) {
      const res = await postWithRepeated(make(SECRET), h, order, base, body);
      expect(res).toMatchObject({ status: 200, error: undefined });
    }
  });
});
