import http from "node:http";
import { Readable } from "node:stream";
import { webhookRoute } from "@webhook-kit/next";
import type { AdapterUnderTest } from "../adapter.js";
import { listenOn } from "./listen.js";

/** What `next start` does before an App Router handler runs: it fills X-Forwarded-For from the socket when absent. */
export function toWebRequest(req: http.IncomingMessage): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  }
  if (!headers.has("x-forwarded-for")) headers.set("x-forwarded-for", req.socket.remoteAddress ?? "");
  const method = req.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(`http://${req.headers.host ?? "127.0.0.1"}${req.url ?? "/"}`, {
    method,
    headers,
    ...(hasBody && { body: Readable.toWeb(req) as ReadableStream, duplex: "half" }),
  } as RequestInit);
}

/** Copies a web Response onto node's ServerResponse, as Next does. */
export async function writeWebResponse(res: http.ServerResponse, response: Response): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
}

/**
 * The App Router handler (`export const POST = webhookRoute(receiver, …)`) behind a node:http server that
 * converts requests the way Next.js does. Every method reaches the handler here, as in a route file that
 * exports it for each method; a real route that exports only POST gets Next's own bare 405 for the others.
 * The address option is the one documented for a trusted proxy: the last X-Forwarded-For entry.
 */
export const nextAppAdapter: AdapterUnderTest = {
  name: "next-app",
  start: (receiver, path) => {
    const handler = webhookRoute(receiver, {
      remoteAddress: (request) => request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim(),
    });
    return listenOn(
      http.createServer((req, res) => {
        if ((req.url ?? "").split("?")[0] !== path) {
          res.writeHead(404).end();
          return;
        }
        handler(toWebRequest(req)).then((response) => writeWebResponse(res, response));
      }),
      path,
    );
  },
};
