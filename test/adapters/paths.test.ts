import http from "node:http";
import { createReceiver, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware as expressWebhook } from "@webhook-kit/express";
import { webhookPlugin } from "@webhook-kit/fastify";
import { webhookMiddleware as koaWebhook } from "@webhook-kit/koa";
import express from "express";
import express4 from "express4";
import Fastify from "fastify";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

// One path rule for every adapter (core's matchesPath): one trailing slash and escapes of unreserved
// characters name the configured path; case, a second slash or another segment do not.
const PATH = "/webhooks/eulabel";
const SAME = ["/webhooks/eulabel", "/webhooks/eulabel/", "/w%65bhooks/eulabel", "/webhooks/%65ulabel/?x=1"];
const OTHER = ["/Webhooks/eulabel", "/webhooks/eulabel//", "/webhooks/eulabelx", "/webhooks%2Feulabel"];
// A fragment is not part of the path (RFC 3986 §3.5); a client that sends one anyway still names the path.
const SAME_WITH_FRAGMENT = [
  "/webhooks/eulabel#",
  "/webhooks/eulabel#x",
  "/webhooks/eulabel/#x",
  "/webhooks/eulabel?x=1#y",
];
const OTHER_WITH_FRAGMENT = ["/webhooks/eulabelx#", "/webhooks#/eulabel"];

/** Sends the request target as written: `http.request(url)` would drop the fragment before it left. */
function sendRaw(
  port: number,
  target: string,
  delivery: { headers: Record<string, string>; body: Uint8Array },
) {
  return new Promise<number>((resolve, reject) => {
    const body = Buffer.from(delivery.body);
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: target,
        method: "POST",
        agent: false,
        headers: { ...delivery.headers, "content-length": String(body.length) },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

type Start = (receiver: ReceiverCore) => Promise<http.Server>;

const listen = async (server: http.Server) => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
};

const adapters: Record<string, Start> = {
  "node:http (createNodeHandler)": (r) => listen(http.createServer(createNodeHandler(r, { path: PATH }))),
  express: (r) => listen(http.createServer(express().use(expressWebhook(r, { path: PATH })))),
  koa: (r) => listen(http.createServer(new Koa().use(koaWebhook(r, { path: PATH })).callback())),
  fastify: async (r) => {
    const app = Fastify();
    await app.register(webhookPlugin, { receiver: r, path: PATH });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return app.server;
  },
  // The app's own ignoreTrailingSlash already routes the slash twin: the plugin must not register it again.
  "fastify (ignoreTrailingSlash)": async (r) => {
    const app = Fastify({ routerOptions: { ignoreTrailingSlash: true } });
    await app.register(webhookPlugin, { receiver: r, path: PATH });
    await app.listen({ port: 0, host: "127.0.0.1" });
    return app.server;
  },
};

let running: http.Server | undefined;
afterEach(async () => {
  running?.closeAllConnections();
  await new Promise((resolve) => running?.close(resolve));
  running = undefined;
});

describe.each(Object.entries(adapters))("%s matches its path by core's rule", (_name, start) => {
  it("receives at the configured path's equivalents and at no other path", async () => {
    const receiver = createReceiver({ provider: eulabel() });
    const seen: string[] = [];
    receiver.on("*", (event) => {
      seen.push(event.id);
    });
    running = await start(receiver);
    const { port } = running.address() as { port: number };
    const post = async (path: string) => {
      const delivery = await signedDelivery(passportEvent());
      return (await send(`http://127.0.0.1:${port}${path}`, delivery)).status;
    };
    for (const path of SAME) expect([path, await post(path)]).toEqual([path, 200]);
    for (const path of OTHER) expect([path, await post(path)]).toEqual([path, 404]);
    const postRaw = async (target: string) => sendRaw(port, target, await signedDelivery(passportEvent()));
    for (const target of SAME_WITH_FRAGMENT) expect([target, await postRaw(target)]).toEqual([target, 200]);
    for (const target of OTHER_WITH_FRAGMENT) expect([target, await postRaw(target)]).toEqual([target, 404]);
    expect(seen).toHaveLength(SAME.length + SAME_WITH_FRAGMENT.length);
  });
});

// Issue #24, item 6: `app.post(path, webhookMiddleware(r))` is routed by Express's router, not by core's
// rule, and the two differ. The README states both; these pin what each accepts on Express 4 and 5.
const EXPRESS_ROUTER_SAME = [
  "/webhooks/eulabel",
  "/webhooks/eulabel/",
  "/WEBHOOKS/EULABEL",
  "/webhooks/eulabel?x=1",
];
const EXPRESS_ROUTER_OTHER = [
  "/w%65bhooks/eulabel",
  "/webhooks/eulabel//",
  "/webhooks%2Feulabel",
  "/webhooks//eulabel",
];

describe.each([
  ["express 5", () => express()],
  ["express 4", () => express4() as unknown as express.Express],
])("%s: app.post(path, webhookMiddleware(r)) follows Express's router", (_name, makeApp) => {
  async function statuses(app: express.Express, paths: string[]) {
    running = await listen(http.createServer(app));
    const { port } = running.address() as { port: number };
    const out: [string, number][] = [];
    for (const path of paths) {
      const delivery = await signedDelivery(passportEvent());
      out.push([path, (await send(`http://127.0.0.1:${port}${path}`, delivery)).status]);
    }
    return out;
  }

  it("case-insensitive, one trailing slash, escapes not decoded", async () => {
    const receiver = createReceiver({ provider: eulabel() });
    receiver.on("*", () => {});
    const app = makeApp();
    app.post(PATH, expressWebhook(receiver));
    const all = [...EXPRESS_ROUTER_SAME, ...EXPRESS_ROUTER_OTHER];
    expect(await statuses(app, all)).toEqual(
      all.map((path) => [path, EXPRESS_ROUTER_SAME.includes(path) ? 200 : 404]),
    );
  });

  it('with app.set("case sensitive routing", true), case counts as in core\'s rule', async () => {
    const receiver = createReceiver({ provider: eulabel() });
    receiver.on("*", () => {});
    const app = makeApp();
    app.set("case sensitive routing", true);
    app.post(PATH, expressWebhook(receiver));
    expect(await statuses(app, ["/WEBHOOKS/EULABEL", "/webhooks/eulabel/"])).toEqual([
      ["/WEBHOOKS/EULABEL", 404],
      ["/webhooks/eulabel/", 200],
    ]);
  });
});
