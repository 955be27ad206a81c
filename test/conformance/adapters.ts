import http from "node:http";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import type { AdapterUnderTest } from "@webhook-kit/testing/conformance";
import express from "express";
import express4 from "express4";
import { fastifyAdapter } from "./servers/fastify.js";
import { koa2Adapter, koaAdapter } from "./servers/koa.js";
import { listenOn } from "./servers/listen.js";

/** Listens on 127.0.0.1:0 and returns the URL of `path`. */
export const listen = listenOn;

const expressAdapter: AdapterUnderTest = {
  name: "express",
  start: (receiver, path) => {
    const app = express();
    app.use(webhookMiddleware(receiver, { path }));
    app.use(express.json());
    return listen(http.createServer(app), path);
  },
};

/** Express 4 still runs in many apps: the same middleware must behave the same there. */
const express4Adapter: AdapterUnderTest = {
  name: "express@4",
  start: (receiver, path) => {
    const app = express4();
    app.use(webhookMiddleware(receiver, { path }) as unknown as express4.RequestHandler);
    app.use(express4.json());
    return listen(http.createServer(app), path);
  },
};

const nodeHttpAdapter: AdapterUnderTest = {
  name: "node:http",
  start: (receiver, path) => listen(http.createServer(createNodeHandler(receiver, { path })), path),
};

/** `receiver.fetch()` behind a minimal Request/Response bridge, as Hono/Bun/Deno would call it. */
const fetchAdapter: AdapterUnderTest = {
  name: "fetch",
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
  fetchAdapter,
  koaAdapter,
  koa2Adapter,
  fastifyAdapter,
];
