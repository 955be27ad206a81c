import http from "node:http";
import { webhookApiRoute } from "@webhook-kit/next";
import type { AdapterUnderTest } from "../adapter.js";
import { listenOn } from "./listen.js";

type ApiHandler = (req: http.IncomingMessage, res: http.ServerResponse) => unknown;

/** Next's API body parser, as far as a webhook route sees it: the whole body read, then `req.body` set. */
async function parseLikeNext(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!(req.headers["content-type"] ?? "").includes("json")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A node:http server that calls a Pages Router API handler the way Next's API resolver does: real node
 * `req`/`res` for the route's path, Next's body parser first unless the route's
 * `config.api.bodyParser` is false, and the `req.query` / `res.status` helpers Next adds.
 */
export function pagesApiServer(
  handler: ApiHandler,
  path: string,
  config: { bodyParser: boolean },
): http.Server {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (url.pathname !== path) {
      res.writeHead(404).end();
      return;
    }
    const api = Object.assign(req, { query: Object.fromEntries(url.searchParams) });
    Object.assign(res, { status: (code: number) => Object.assign(res, { statusCode: code }) });
    if (config.bodyParser) Object.assign(api, { body: await parseLikeNext(req) });
    await handler(api, res);
  });
}

/** `export default webhookApiRoute(receiver)` with `export const config = { api: { bodyParser: false } }`. */
export const nextPagesAdapter: AdapterUnderTest = {
  name: "next-pages",
  start: (receiver, path) =>
    listenOn(pagesApiServer(webhookApiRoute(receiver), path, { bodyParser: false }), path),
};
