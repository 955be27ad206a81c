import http from "node:http";
import { createReceiver, isWebhookError } from "@webhook-kit/core";
import { webhookApiRoute } from "@webhook-kit/next";
import express4 from "express4";
import { describe, expect, it } from "vitest";
import * as edgeEntry from "../../packages/next/src/edge.js";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

// Everything that needs a request runs against real `next start` (next-conformance.slow.test.ts and
// next-e2e.slow.test.ts); this file holds what needs no Next server.

const serve = listenPerTest();

describe("@webhook-kit/next: the Edge entry", () => {
  it("refuses webhookApiRoute with a message that points to webhookRoute", () => {
    const receiver = createReceiver({ provider: eulabel() });
    let thrown: unknown;
    try {
      edgeEntry.webhookApiRoute(receiver);
    } catch (error) {
      thrown = error;
    }
    expect(isWebhookError(thrown) && thrown.code).toBe("invalid_config");
    expect(String(thrown)).toMatch(/webhookRoute/);
  });
});

describe("@webhook-kit/next: webhookApiRoute behind a custom server", () => {
  // Next itself sets req.body only when its parser read the stream (bodyParser on: always, even "" or {}).
  // A custom server's parser may set it without reading: body-parser 1.x (Express 4) puts {} on a request
  // whose content type it skips. Whether the stream was read decides, as on Express.
  it("reads a body that an upstream parser skipped, and still refuses one it read", async () => {
    const receiver = createReceiver({ provider: eulabel() });
    const app = express4();
    app.use(express4.json());
    app.post("/api/webhooks", webhookApiRoute(receiver));
    const url = await serve(http.createServer(app), "/api/webhooks");
    const skipped = await signedDelivery(passportEvent());
    const plain = { ...skipped.headers, "content-type": "text/plain" };
    expect((await send(url, { headers: plain, body: skipped.body })).status).toBe(200);
    const read = await signedDelivery(passportEvent());
    const refused = await send(url, { headers: read.headers, body: read.body });
    expect([refused.status, refused.json.error]).toEqual([500, "body_already_consumed"]);
    // Next's route config cannot turn a custom server's parser off: the message names what can.
    expect(refused.json.message).toContain("express.raw");
    expect(refused.json.message).toContain("req.rawBody");
    expect(refused.json.message).not.toContain("bodyParser: false");
  });

  it("verifies the exact bytes a custom server kept: express.raw's Buffer req.body, or req.rawBody", async () => {
    const keepers = {
      raw: [express4.raw({ type: "*/*" })],
      verify: [
        express4.json({
          verify: (req, _res, buffer) => {
            (req as { rawBody?: Buffer }).rawBody = buffer;
          },
        }),
      ],
    };
    for (const [label, parsers] of Object.entries(keepers)) {
      const receiver = createReceiver({ provider: eulabel() });
      const ran: string[] = [];
      receiver.on("passport.published", (event) => {
        ran.push(event.id);
      });
      const app = express4();
      app.use(...parsers);
      app.post("/api/webhooks", webhookApiRoute(receiver));
      const url = await serve(http.createServer(app), "/api/webhooks");
      const delivery = await signedDelivery(passportEvent());
      const res = await send(url, { headers: delivery.headers, body: delivery.body });
      expect([label, res.status], JSON.stringify(res.json)).toEqual([label, 200]);
      await receiver.idle();
      expect(ran, label).toHaveLength(1);
      // The kept bytes are still checked: a forged signature is refused, not waved through.
      const forged = { ...delivery.headers, "x-eulabel-signature": `sha256=${"0".repeat(64)}` };
      const refused = await send(url, { headers: forged, body: delivery.body });
      expect([label, refused.status]).toEqual([label, 401]);
    }
  });
});
