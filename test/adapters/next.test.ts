import http from "node:http";
import { createReceiver, isWebhookError, webCrypto } from "@webhook-kit/core";
import { webhookApiRoute, webhookRoute } from "@webhook-kit/next";
import { afterEach, describe, expect, it } from "vitest";
import * as edgeEntry from "../../packages/next/src/edge.js";
import type { RunningAdapter } from "../conformance/adapter.js";
import { listenOn } from "../conformance/servers/listen.js";
import { toWebRequest, writeWebResponse } from "../conformance/servers/next-app.js";
import { pagesApiServer } from "../conformance/servers/next-pages.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { endlessUpload } from "./upload.js";

const PATH = "/api/webhooks/eulabel";

function setup(
  options: Parameters<typeof createReceiver>[0] extends infer O ? Partial<O & object> : never = {},
) {
  const seen: string[] = [];
  const receiver = createReceiver({ provider: eulabel(), ...options });
  receiver.on("*", (event) => {
    seen.push(event.type);
  });
  return { receiver, seen };
}

let server: RunningAdapter | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** An App Router handler behind the same request conversion `next start` does. */
async function serveRoute(handler: (request: Request) => Promise<Response>) {
  server = await listenOn(
    http.createServer((req, res) => {
      handler(toWebRequest(req)).then((response) => writeWebResponse(res, response));
    }),
    PATH,
  );
  return server.url;
}

async function post(url: string, extraHeaders: Record<string, string> = {}) {
  const { body, headers } = await signedDelivery(passportEvent());
  return send(url, { headers: { ...headers, ...extraHeaders }, body });
}

describe("@webhook-kit/next: webhookRoute (App Router)", () => {
  it("uses the remoteAddress option for allow-lists, and fails closed without it", async () => {
    const guarded = setup({ allowedIps: ["198.51.100.0/24"] });
    const fromProxy = webhookRoute(guarded.receiver, {
      remoteAddress: (request) => request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim(),
    });
    let url = await serveRoute(fromProxy);
    expect((await post(url, { "x-forwarded-for": "203.0.113.9, 198.51.100.7" })).status).toBe(200);
    expect((await post(url, { "x-forwarded-for": "198.51.100.7, 203.0.113.9" })).status).toBe(403);
    await server?.close();
    url = await serveRoute(webhookRoute(guarded.receiver));
    const blind = await post(url, { "x-forwarded-for": "198.51.100.7" });
    expect(blind.status).toBe(403);
    expect(blind.json.message).toMatch(/\(unknown\)/);
    expect(guarded.seen).toEqual(["passport.published"]);
  });

  it("verifies with Web Crypto, as on the Edge runtime, from the edge entry", async () => {
    const { receiver, seen } = setup({ crypto: webCrypto() });
    const url = await serveRoute(edgeEntry.webhookRoute(receiver));
    expect((await post(url)).status).toBe(200);
    expect((await post(url, { "x-eulabel-signature": `sha256=${"0".repeat(64)}` })).json.error).toBe(
      "invalid_signature",
    );
    expect(seen).toEqual(["passport.published"]);
  });

  it("the edge entry refuses webhookApiRoute with a message that points to webhookRoute", () => {
    const { receiver } = setup();
    let thrown: unknown;
    try {
      edgeEntry.webhookApiRoute(receiver);
    } catch (error) {
      thrown = error;
    }
    expect(isWebhookError(thrown) && thrown.code).toBe("invalid_config");
    expect(String(thrown)).toMatch(/webhookRoute/);
  });

  it("refuses a chunked upload as soon as it passes maxBodyBytes (413 while the client is still sending)", async () => {
    const { receiver, seen } = setup({ maxBodyBytes: 16 * 1024 });
    const { headers } = await signedDelivery(passportEvent());
    const res = await endlessUpload(await serveRoute(webhookRoute(receiver)), headers);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
    expect(seen).toEqual([]);
  });
});

describe("@webhook-kit/next: webhookApiRoute (Pages Router)", () => {
  it("answers at once with 500 body_already_consumed when Next's body parser was left on", async () => {
    const { receiver, seen } = setup();
    server = await listenOn(pagesApiServer(webhookApiRoute(receiver), PATH, { bodyParser: true }), PATH);
    const started = Date.now();
    const res = await post(server.url);
    expect(Date.now() - started).toBeLessThan(receiver.bodyTimeoutMs);
    expect(res.status).toBe(500);
    expect(res.json.error).toBe("body_already_consumed");
    expect(res.json.message).toContain("export const config = { api: { bodyParser: false } }");
    expect(seen).toEqual([]);
  });

  it("verifies the exact bytes with the parser off, and refuses a chunked upload past maxBodyBytes", async () => {
    const { receiver, seen } = setup({ maxBodyBytes: 16 * 1024 });
    server = await listenOn(pagesApiServer(webhookApiRoute(receiver), PATH, { bodyParser: false }), PATH);
    const { body, headers } = await signedDelivery(JSON.stringify(passportEvent(), null, 2));
    expect((await send(server.url, { headers, body, chunked: true })).status).toBe(200);
    const res = await endlessUpload(server.url, (await signedDelivery(passportEvent())).headers);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
    expect(seen).toEqual(["passport.published"]);
  });
});
