import { createHmac } from "node:crypto";
import http from "node:http";
import { createReceiver, providers, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const serve = listenPerTest();
const listen = (receiver: ReceiverCore) =>
  serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks/eulabel" })), "/webhooks/eulabel");

const provider = () => providers.eulabel({ secret: SECRET });
const passport = (event: string, timestamp: string, completeness: number) => ({
  event,
  id: "ps_w9x2kf",
  gtin: "05601234567890",
  timestamp,
  compliance: {
    status: completeness === 100 ? "compliant" : "incomplete",
    regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
    completeness,
    missingFields: [],
    documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
  },
  passportUrl: "https://eulabel.eu/01/05601234567890",
});

describe("providers.eulabel (seed 001): the key is never the passport id", () => {
  it("keeps the progressive flow's events about one passport apart; a redelivery is a duplicate", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const flow = [
      passport("passport.draft_created", "2026-03-25T10:00:00Z", 20),
      passport("passport.enriched", "2026-03-25T10:05:00Z", 60),
      passport("passport.published", "2026-03-25T10:15:00Z", 100),
    ];
    const wires = await Promise.all(flow.map((p) => signed(provider(), p)));
    for (const wire of wires)
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
    expect(json((await receiver.handle(request(wires[1]!))).body)).toMatchObject({ duplicate: true });
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual([
      "passport.draft_created",
      "passport.enriched",
      "passport.published",
    ]);
  });
});

describe("providers.eulabel: the signature header and secret encoding (seed 000 vs seed 001)", () => {
  const body = JSON.stringify(passport("passport.published", "2026-03-25T10:15:00Z", 100));
  const hex = (key: string | Buffer) => `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;

  it("accepts X-EUlabel-Signature (seed 001) or X-Webhook-Signature (seed 000), whichever is present", async () => {
    for (const header of ["x-eulabel-signature", "x-webhook-signature", "X-Webhook-Signature"]) {
      const receiver = createReceiver({ provider: provider() });
      const seen = recordAll(receiver);
      const res = await send(await listen(receiver), {
        headers: { "content-type": "application/json", [header]: hex(SECRET) },
        body,
      });
      expect(res.json, header).toEqual({ received: true });
      expect(seen).toHaveBeenCalledTimes(1);
    }
  });

  it("names both headers when neither is present, and refuses a forged one in either", async () => {
    const receiver = createReceiver({ provider: provider() });
    const url = await listen(receiver);
    const missing = await send(url, { headers: { "content-type": "application/json" }, body });
    expect(missing.status).toBe(401);
    expect(missing.json.error).toBe("missing_signature");
    expect(String(missing.json.message)).toMatch(/x-eulabel-signature/i);
    expect(String(missing.json.message)).toMatch(/x-webhook-signature/i);
    for (const header of ["x-eulabel-signature", "x-webhook-signature"]) {
      const forged = await send(url, {
        headers: { "content-type": "application/json", [header]: hex("another-secret") },
        body,
      });
      expect(forged.json.error).toBe("invalid_signature");
    }
  });

  it("uses the whsec_ secret as its UTF-8 bytes, unless secretEncoding is base64 (as the EUDR preset)", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const asText = hex(secret);
    const asBase64 = hex(Buffer.from(secret.slice(6), "base64"));
    const status = async (secretEncoding: "utf8" | "base64", value: string) => {
      const receiver = createReceiver({ provider: providers.eulabel({ secret, secretEncoding }) });
      receiver.on("*", () => {});
      const res = await send(await listen(receiver), {
        headers: { "content-type": "application/json", "x-eulabel-signature": value },
        body,
      });
      return res.status;
    };
    expect(await status("utf8", asText)).toBe(200);
    expect(await status("utf8", asBase64)).toBe(401);
    expect(await status("base64", asBase64)).toBe(200);
    expect(await status("base64", asText)).toBe(401);
  });
});
