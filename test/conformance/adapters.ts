import http from "node:http";
import type { ReceiverCore } from "@webhook-kit/core";
import { checkContinue, createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import { webhookApiRoute } from "@webhook-kit/next";
import type { AdapterUnderTest, BeforeWebhook } from "@webhook-kit/testing/conformance";
import express from "express";
import express4 from "express4";
import { fastifyAdapter } from "./servers/fastify.js";
import { koa2Adapter, koaAdapter } from "./servers/koa.js";
import { listenOn } from "./servers/listen.js";

/** Listens on 127.0.0.1:0 and returns the URL of `path`. */
export const listen = listenOn;

/** The server as an app should set it up: no `100 Continue` for a body the receiver refuses from its head. */
const served = (server: http.Server, receiver: ReceiverCore, path: string) => {
  server.on("checkContinue", checkContinue(receiver, { path }));
  return listen(server, path);
};

const expressAdapter: AdapterUnderTest = {
  name: "express",
  start: (receiver, path, before) => {
    const app = express();
    if (before) app.use(connectStyle(before));
    app.use(webhookMiddleware(receiver, { path }));
    app.use(express.json());
    return served(http.createServer(app), receiver, path);
  },
};

/** Express 4 still runs in many apps: the same middleware must behave the same there. */
const express4Adapter: AdapterUnderTest = {
  name: "express@4",
  start: (receiver, path, before) => {
    const app = express4();
    if (before) app.use(connectStyle(before));
    app.use(webhookMiddleware(receiver, { path }) as unknown as express4.RequestHandler);
    app.use(express4.json());
    return served(http.createServer(app), receiver, path);
  },
};

/** `before` as Connect-style middleware: runs, then hands on. */
const connectStyle =
  (before: BeforeWebhook) => (req: http.IncomingMessage, res: http.ServerResponse, next: () => void) => {
    before(req, res);
    next();
  };

/** A plain listener with `before` called first, as a wrapper around it would. */
const wrapped =
  (before: BeforeWebhook | undefined, listener: http.RequestListener): http.RequestListener =>
  (req, res) => {
    before?.(req, res);
    listener(req, res);
  };

const nodeHttpAdapter: AdapterUnderTest = {
  name: "node:http",
  start: (receiver, path, before) =>
    served(http.createServer(wrapped(before, createNodeHandler(receiver, { path }))), receiver, path),
};

/**
 * The Pages Router's API route function on plain node:http (Next hands it node's req and res): the rows about
 * a response already sent need the route in-process; the contract's rows also run under real `next start`.
 */
const nextPagesAdapter: AdapterUnderTest = {
  name: "next pages (webhookApiRoute)",
  start: (receiver, path, before) => {
    const route = webhookApiRoute(receiver);
    const listener = wrapped(before, (req, res) => {
      void route(req, res);
    });
    return served(http.createServer(listener), receiver, path);
  },
};

/** `receiver.fetch()` behind a minimal Request/Response bridge, as Hono/Bun/Deno would call it. */
const fetchAdapter: AdapterUnderTest = {
  name: "fetch",
  returnsResponse: true,
  start: (receiver, path) =>
    listen(
      http.createServer(async (req, res) => {
        const body =
          req.method === "GET" || req.method === "HEAD" ? undefined : (req as unknown as ReadableStream);
        const headers = new Headers();
        for (const [name, value] of Object.entries(req.headers))
          if (typeof value === "string") headers.set(name, value);
        const request = new Request(`http://127.0.0.1${req.url}`, {
          method: req.method ?? "GET",
          headers,
          ...(body && {
            body: (await import("node:stream")).Readable.toWeb(req) as ReadableStream,
            duplex: "half",
          }),
        } as RequestInit);
        const response = await receiver.fetch(request, { remoteAddress: req.socket.remoteAddress ?? "" });
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      }),
      path,
    ),
};

/**
 * Every adapter the conformance suite drives in this process. Adding one is one line. Next.js runs the same
 * rows as a real `next start` (App Router on Node.js and Edge, Pages Router): next-conformance.slow.test.ts.
 */
export const adapters: AdapterUnderTest[] = [
  expressAdapter,
  express4Adapter,
  nodeHttpAdapter,
  nextPagesAdapter,
  fetchAdapter,
  koaAdapter,
  koa2Adapter,
  fastifyAdapter,
];
