import http from "node:http";
import { createReceiver, sign } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/koa";
import type { RunningAdapter } from "@webhook-kit/testing/conformance";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { koaBody, koaBodyParser } from "../conformance/servers/koa-parsers.js";
import { listenOn } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { endlessUpload } from "./upload.js";

const PATH = "/webhooks/eulabel";

/** Long enough that a receiver waiting on the consumed stream would outlast the test's own timeout. */
const NEVER_MS = 600_000;

function setup(options: { maxBodyBytes?: number; allowedIps?: string[]; bodyTimeoutMs?: number } = {}) {
  const seen: string[] = [];
  const receiver = createReceiver({ provider: eulabel(), ...options });
  receiver.on("*", (event) => {
    seen.push(event.type);
  });
  return { receiver, seen, app: new Koa() };
}

let server: RunningAdapter | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(app: Koa, path = PATH) {
  server = await listenOn(http.createServer(app.callback()), path);
  return server.url;
}

/** Signs `body` (string or exact bytes) as EUlabel would and posts it. */
async function post(url: string, body: string | Uint8Array, options: { chunked?: boolean } = {}) {
  if (typeof body !== "string") return postBytes(url, body, options);
  const signed = await signedDelivery(body);
  return send(url, { headers: signed.headers, body: signed.body, ...options });
}

/** Signs the exact bytes (which need not be UTF-8) and posts them. */
async function postBytes(url: string, bytes: Uint8Array, options: { chunked?: boolean } = {}) {
  const signed = await sign(eulabel(SECRET), bytes);
  return send(url, {
    headers: { "content-type": "application/json", ...signed.headers },
    body: bytes,
    ...options,
  });
}

/** Indentation a re-serialiser would drop, and non-ASCII text: only the exact bytes verify. */
const spaced = (event = "passport.published", note = "Grüner Veltliner – ½ l") =>
  JSON.stringify(passportEvent(event, { note }), null, 3);

describe("@webhook-kit/koa", () => {
  it("uses the text @koa/bodyparser kept when it re-encodes to the exact bytes", async () => {
    const { receiver, seen, app } = setup();
    app.use(koaBodyParser());
    app.use(webhookMiddleware(receiver, { path: PATH }));
    const res = await post(await serve(app), passportEventText());
    expect(res.status).toBe(200);
    const spaced2 = await post(server!.url, spaced("passport.enriched"));
    expect(spaced2.status).toBe(200);
    expect(seen).toEqual(["passport.published", "passport.enriched"]);
  });

  it("refuses kept text that is not the received bytes (invalid UTF-8, BOM, chunked) at once, never re-encoding it", async () => {
    const { receiver, seen, app } = setup();
    app.use(koaBodyParser());
    app.use(webhookMiddleware(receiver, { path: PATH }));
    const url = await serve(app);
    const latin1 = Buffer.from(spaced("passport.published", "Gr\u00fcner"), "latin1"); // 0xFC: not UTF-8
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(spaced())]);
    for (const res of [
      await postBytes(url, latin1),
      await postBytes(url, bom),
      await post(url, spaced(), { chunked: true }),
    ]) {
      expect(res.status).toBe(500);
      expect(res.json.error).toBe("body_already_consumed");
      expect(res.json.message).toMatch(/before app\.use\(bodyParser\(\)\)/);
    }
    expect(seen).toEqual([]);
  });

  it("behind bodyParser() a chunked upload gets a 500 that names the exact change, and that change works", async () => {
    const { receiver, seen, app } = setup();
    app.use(koaBodyParser());
    app.use(webhookMiddleware(receiver, { path: PATH }));
    const res = await post(await serve(app), spaced(), { chunked: true });
    expect(res.status).toBe(500);
    expect(res.json.error).toBe("body_already_consumed");
    const message = String(res.json.message);
    // Not "let the parser keep the text": it already did, and that cannot help a chunked upload.
    expect(message).not.toMatch(/let the parser keep the text/);
    expect(message).toMatch(/chunked/);
    expect(message).toContain(
      `app.use(webhookMiddleware(receiver, { path: "${PATH}" })) before app.use(bodyParser())`,
    );
    expect(message).toContain(`if (ctx.path === "${PATH}") ctx.disableBodyParser = true`);
    expect(seen).toEqual([]);
    await server?.close();

    // The second remedy the message names, applied verbatim: the same chunked upload verifies.
    const fixed = setup();
    fixed.app.use((ctx, next) => {
      if (ctx.path === PATH) (ctx as { disableBodyParser?: boolean }).disableBodyParser = true;
      return next();
    });
    fixed.app.use(koaBodyParser());
    fixed.app.use(webhookMiddleware(fixed.receiver, { path: PATH }));
    expect((await post(await serve(fixed.app), spaced(), { chunked: true })).status).toBe(200);
    expect(fixed.seen).toEqual(["passport.published"]);
  });

  it("reads the stream itself when @koa/bodyparser skipped the content type", async () => {
    const { receiver, seen, app } = setup();
    app.use(koaBodyParser({ enableTypes: ["form"] }));
    app.use(webhookMiddleware(receiver, { path: PATH }));
    expect((await post(await serve(app), spaced())).status).toBe(200);
    expect(seen).toEqual(["passport.published"]);
  });

  it("answers body_already_consumed behind koa-body without includeUnparsed (never waiting on the stream), and verifies with it", async () => {
    // bodyTimeoutMs of 10 minutes: a receiver that waited for the body would never answer within the test.
    const plain = setup({ bodyTimeoutMs: NEVER_MS });
    plain.app.use(koaBody());
    plain.app.use(webhookMiddleware(plain.receiver, { path: PATH }));
    const res = await post(await serve(plain.app), spaced());
    expect(res.status).toBe(500);
    expect(res.json.error).toBe("body_already_consumed");
    expect(res.json.message).toMatch(/includeUnparsed/);
    expect(plain.seen).toEqual([]);
    await server?.close();

    const kept = setup();
    kept.app.use(koaBody({ includeUnparsed: true }));
    kept.app.use(webhookMiddleware(kept.receiver, { path: PATH }));
    expect((await post(await serve(kept.app), spaced())).status).toBe(200);
    expect(kept.seen).toEqual(["passport.published"]);
  });

  it("handles only its path; the app's other routes and their parsed JSON are untouched", async () => {
    const { receiver, seen, app } = setup();
    app.use(webhookMiddleware(receiver, { path: PATH }));
    app.use(koaBodyParser());
    app.use((ctx) => {
      if (ctx.path === "/api/echo") ctx.body = { echoed: (ctx.request as { body?: unknown }).body };
    });
    const url = await serve(app);
    expect((await post(url, spaced())).status).toBe(200);
    const echo = await send(url.replace(PATH, "/api/echo"), {
      headers: { "content-type": "application/json" },
      body: '{"hello":"world"}',
    });
    expect(echo.json).toEqual({ echoed: { hello: "world" } });
    expect((await post(url.replace(PATH, "/webhooks/other"), spaced())).status).toBe(404);
    expect((await send(`${url}?attempt=2`, { method: "GET" })).status).toBe(405);
    expect(seen).toEqual(["passport.published"]);
  });

  it("refuses a chunked upload as soon as it passes maxBodyBytes (413 while the client is still sending)", async () => {
    const { receiver, seen, app } = setup({ maxBodyBytes: 16 * 1024 });
    app.use(webhookMiddleware(receiver, { path: PATH }));
    const { headers } = await signedDelivery(passportEvent());
    const res = await endlessUpload(await serve(app), headers);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
    expect(seen).toEqual([]);
  });

  it("sees the client address as ctx.ip: X-Forwarded-For only with app.proxy", async () => {
    const { receiver, app } = setup({ allowedIps: ["198.51.100.0/24"] });
    app.use(webhookMiddleware(receiver, { path: PATH }));
    const url = await serve(app);
    const { body, headers } = await signedDelivery(passportEvent());
    const forwarded = { ...headers, "x-forwarded-for": "198.51.100.7" };
    expect((await send(url, { headers: forwarded, body })).status).toBe(403);
    app.proxy = true;
    expect((await send(url, { headers: forwarded, body })).status).toBe(200);
  });

  it("hop-count trust (app.proxy + maxIpsCount) believes a client that connects around the proxy", async () => {
    const { receiver, app } = setup({ allowedIps: ["198.51.100.0/24"] });
    app.use(webhookMiddleware(receiver, { path: PATH }));
    app.proxy = true;
    app.maxIpsCount = 1;
    const url = await serve(app);
    const { body, headers } = await signedDelivery(passportEvent());
    const spoofed = { ...headers, "x-forwarded-for": "198.51.100.7" };
    // Koa cannot tell the proxy from any other peer: only network reachability can.
    expect((await send(url, { headers: spoofed, body, localAddress: "127.0.0.2" })).status).toBe(200);
  });
});

function passportEventText() {
  return JSON.stringify(passportEvent());
}
