import http from "node:http";
import { createReceiver, providers, sign } from "@webhook-kit/core";
import { webhookMiddleware as expressMiddleware } from "@webhook-kit/express";
import { webhookPlugin } from "@webhook-kit/fastify";
import { webhookMiddleware as koaMiddleware } from "@webhook-kit/koa";
import { webhookApiRoute, webhookRoute } from "@webhook-kit/next";
import express from "express";
import express4 from "express4";
import Fastify from "fastify";
import Koa from "koa";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { passportEvent } from "../support/deliveries.js";
import { send } from "../support/http.js";

// Route parameters reach the receiver's `tenant` in every adapter (issue #22): `/webhooks/:tenant` in the
// framework's own router, or in the adapter's `path`.

const serve = listenPerTest();
const SECRETS: Record<string, string> = { acme: "whsec_acme_adapter", globex: "whsec_globex_adapter" };

function tenantReceiver() {
  const tenants: (string | undefined)[] = [];
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: async ({ tenant }) => SECRETS[tenant] }),
    tenant: ({ params }) => params?.tenant,
    logger: false,
  });
  receiver.on("*", (event) => {
    tenants.push(event.tenant);
  });
  return { receiver, tenants };
}

async function delivery(secret: string) {
  const signed = await sign(providers.eulabel({ secret }), JSON.stringify(passportEvent()));
  return { body: signed.body, headers: { "content-type": "application/json", ...signed.headers } };
}

/** acme with its own secret, globex with acme's: the route's tenant decides which secret applies. */
async function check(url: (tenant: string) => string, tenants: (string | undefined)[]) {
  const own = await send(url("acme"), await delivery(SECRETS.acme!));
  const crossed = await send(url("globex"), await delivery(SECRETS.acme!));
  expect(own.status).toBe(200);
  expect([crossed.status, crossed.json.error]).toEqual([401, "invalid_signature"]);
  expect(tenants).toEqual(["acme"]);
}

describe("route params reach the tenant", () => {
  it("Express 5: app.post('/webhooks/:tenant') and app.use with a path pattern", async () => {
    const routed = tenantReceiver();
    const app = express();
    app.post("/webhooks/:tenant", expressMiddleware(routed.receiver));
    const base = await serve(http.createServer(app), "");
    await check((t) => `${base}/webhooks/${t}`, routed.tenants);

    const mounted = tenantReceiver();
    const app2 = express();
    app2.use(expressMiddleware(mounted.receiver, { path: "/hooks/:tenant" }));
    const base2 = await serve(http.createServer(app2), "");
    await check((t) => `${base2}/hooks/${t}`, mounted.tenants);
  });

  it("Express 4: app.post('/webhooks/:tenant')", async () => {
    const { receiver, tenants } = tenantReceiver();
    const app = express4();
    app.post("/webhooks/:tenant", expressMiddleware(receiver));
    const base = await serve(http.createServer(app), "");
    await check((t) => `${base}/webhooks/${t}`, tenants);
  });

  it("Koa: a path pattern, and ctx.params a router left", async () => {
    const { receiver, tenants } = tenantReceiver();
    const app = new Koa();
    app.use(koaMiddleware(receiver, { path: "/webhooks/:tenant" }));
    const base = await serve(http.createServer(app.callback()), "");
    await check((t) => `${base}/webhooks/${t}`, tenants);

    const routed = tenantReceiver();
    const app2 = new Koa();
    // What @koa/router does before the middleware it routes to.
    app2.use((ctx, next) => {
      (ctx as { params?: Record<string, string> }).params = { tenant: ctx.path.split("/")[2] ?? "" };
      return next();
    });
    app2.use(koaMiddleware(routed.receiver));
    const base2 = await serve(http.createServer(app2.callback()), "");
    await check((t) => `${base2}/in/${t}`, routed.tenants);
  });

  it("Fastify: a route path with :tenant", async () => {
    const { receiver, tenants } = tenantReceiver();
    const app = Fastify();
    await app.register(webhookPlugin, { receiver, path: "/webhooks/:tenant" });
    await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      const address = app.server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      await check((t) => `http://127.0.0.1:${port}/webhooks/${t}`, tenants);
    } finally {
      await app.close();
    }
  });

  it("fetch: receiver.fetch(request, { params })", async () => {
    const { receiver, tenants } = tenantReceiver();
    const post = async (tenant: string, secret: string) => {
      const { body, headers } = await delivery(secret);
      const request = new Request(`http://127.0.0.1/webhooks/${tenant}`, {
        method: "POST",
        headers,
        body: body as BodyInit,
      });
      return receiver.fetch(request, { params: { tenant } });
    };
    expect((await post("acme", SECRETS.acme!)).status).toBe(200);
    expect((await post("globex", SECRETS.acme!)).status).toBe(401);
    expect(tenants).toEqual(["acme"]);
  });

  it("Next App Router: the [tenant] segment, as Next 15 (a promise) and Next 14 (an object) pass it", async () => {
    const { receiver, tenants } = tenantReceiver();
    const POST = webhookRoute(receiver);
    const request = async (tenant: string, secret: string) => {
      const { body, headers } = await delivery(secret);
      return new Request(`http://127.0.0.1/api/webhooks/${tenant}`, {
        method: "POST",
        headers,
        body: body as BodyInit,
      });
    };
    const next15 = await POST(await request("acme", SECRETS.acme!), {
      params: Promise.resolve({ tenant: "acme" }),
    });
    const next14 = await POST(await request("globex", SECRETS.acme!), { params: { tenant: "globex" } });
    expect([next15.status, next14.status]).toEqual([200, 401]);
    expect(tenants).toEqual(["acme"]);
  });

  it("Next Pages Router: the [tenant] segment Next puts in req.query", async () => {
    const { receiver, tenants } = tenantReceiver();
    const app = express4();
    // What Next does for pages/api/webhooks/[tenant].ts: the segment in req.query.
    app.post("/api/webhooks/:tenant", (req, _res, next) => {
      req.query = { tenant: req.params.tenant ?? "" };
      next();
    });
    app.post("/api/webhooks/:tenant", webhookApiRoute(receiver));
    const base = await serve(http.createServer(app), "");
    await check((t) => `${base}/api/webhooks/${t}`, tenants);
  });
});

describe("matchRoute", () => {
  it("matches :name segments, decodes them, and refuses an empty or missing segment", async () => {
    const { matchRoute } = await import("@webhook-kit/core/node");
    expect(matchRoute("/webhooks/acme", "/webhooks/:tenant")).toEqual({ tenant: "acme" });
    expect(matchRoute("/webhooks/a%3Ab/", "/webhooks/:tenant")).toEqual({ tenant: "a:b" });
    expect(matchRoute("/webhooks/", "/webhooks/:tenant")).toBeUndefined();
    expect(matchRoute("/webhooks/acme/x", "/webhooks/:tenant")).toBeUndefined();
    expect(matchRoute("/other/acme", "/webhooks/:tenant")).toBeUndefined();
    expect(matchRoute("/webhooks/%E0%A4%A", "/webhooks/:tenant")).toBeUndefined();
    expect(matchRoute("/webhooks", "/webhooks")).toEqual({});
  });
});
