import type { IncomingMessage, ServerResponse } from "node:http";
import { bodyConsumed, notFound } from "../errors.js";
import { matchRoute } from "../path.js";
import type { ReceiverCore } from "../receiver.js";
import { errorResponse } from "../response.js";
import type { WebhookRequestHead, WebhookResponse } from "../types.js";
import { answeredElsewhere, cutShort, sendNodeResponse, writeNodeResponse } from "./answer.js";
import { lingerThenDestroy, readNodeBody } from "./body.js";
import { checkContinue } from "./continue.js";
import { requestPath } from "./request-path.js";

/** The path rule adapters share (one trailing slash, escapes of unreserved characters). */
export { matchesPath, matchRoute } from "../path.js";
export { routeParams } from "../route-params.js";
export { answeredElsewhere, checkContinue, readNodeBody, requestPath, sendNodeResponse, writeNodeResponse };

export interface NodeRequestOptions {
  /**
   * The exact bytes, when an upstream parser kept them. Default: what a Connect-style parser (body-parser,
   * `express.raw`/`json`) left — a Buffer `req.rawBody` (a `verify` hook) or a Buffer `req.body`.
   */
  rawBody?: Uint8Array | undefined;
  /**
   * True when an upstream parser already read the stream. Default: body-parser's `req._body` mark, or a
   * stream left flowing or ended (`req.body !== undefined` is no sign: body-parser 1.x sets `{}` on a
   * content type it skips without reading a byte).
   */
  bodyParsed?: boolean;
  /** The client address as the framework resolves it (honours Express/Koa "trust proxy"). */
  remoteAddress?: string | undefined;
  /** Name of the framework, for the "how to mount" message. */
  framework?: string;
  /** How to fix a consumed body in this framework; a function is only called when the hint is needed. */
  mountHint?: string | (() => string);
  /** Route parameters the framework matched (`/webhooks/:tenant`): the receiver's `tenant` option reads them. */
  params?: Readonly<Record<string, string>> | undefined;
}

/** Node already lower-cases names and joins repeats; only array values (set-cookie and kin) need a copy. */
export function nodeHeaders(req: IncomingMessage): Record<string, string> {
  const headers = req.headers;
  for (const name in headers) {
    if (typeof headers[name] !== "string") return copyHeaders(headers);
  }
  return headers as Record<string, string>;
}

function copyHeaders(headers: IncomingMessage["headers"]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** What a Connect-style body parser may leave on the request. */
type ParsedByConnect = IncomingMessage & { body?: unknown; rawBody?: unknown; _body?: unknown };

/** The exact bytes a parser kept: a Buffer `req.rawBody` first (a `verify` hook), else a Buffer `req.body`. */
function keptRawBody(req: ParsedByConnect): Uint8Array | undefined {
  if (req.rawBody instanceof Uint8Array) return req.rawBody;
  return req.body instanceof Uint8Array ? req.body : undefined;
}

/** Whether something upstream read the stream: body-parser marks it with `_body`; any reader leaves it flowing or ended. */
function streamWasRead(req: ParsedByConnect): boolean {
  return req._body === true || req.readableFlowing !== null || req.readableEnded;
}

/**
 * The whole Node path for adapters: hand the request to `receiver.receive()` with a reader that uses the
 * bytes a parser kept, or reads the stream with a limit and a timeout. Never waits on a consumed stream,
 * never re-serialises; a body refused before it was read (405, 403, 413, 415) is never read: its
 * connection is closed.
 *
 * @example
 * // An adapter: convert, hand over, write back.
 * const response = await handleNodeRequest(receiver, req, { remoteAddress: req.ip });
 * writeNodeResponse(res, response);
 */
export async function handleNodeRequest(
  receiver: ReceiverCore,
  req: IncomingMessage,
  options: NodeRequestOptions = {},
): Promise<WebhookResponse> {
  const head: WebhookRequestHead = {
    method: req.method ?? "GET",
    headers: nodeHeaders(req),
  };
  const socketAddress = req.socket?.remoteAddress;
  const remoteAddress = options.remoteAddress ?? socketAddress;
  if (remoteAddress !== undefined) {
    head.remoteAddress = remoteAddress;
    // A framework's address that differs from the socket's came from a header its proxy setting trusted.
    head.remoteAddressFrom =
      remoteAddress === socketAddress
        ? "socket"
        : `${options.framework ?? "the framework"}'s proxy setting (X-Forwarded-For)`;
  }
  if (req.url !== undefined) head.path = requestPath(req.url);
  if (options.params !== undefined) head.params = options.params;
  let asked = false;
  const response = await receiver.receive(head, () => {
    asked = true;
    const kept = options.rawBody ?? keptRawBody(req);
    if (kept) return kept;
    if ((options.bodyParsed ?? streamWasRead(req)) || req.readableEnded) {
      const hint = options.mountHint;
      throw bodyConsumed(options.framework, typeof hint === "function" ? hint() : hint);
    }
    return readNodeBody(req, receiver.maxBodyBytes, receiver.bodyTimeoutMs);
  });
  // Refused from the head (405, 403, 413, 415) while a body is still on its way: never read it, nor keep
  // the connection for its bytes (Node would drain it for keep-alive, for as long as the client sends).
  if (!asked && !req.complete && !streamWasRead(req)) {
    lingerThenDestroy(req);
    return closing(response);
  }
  // readNodeBody already cut a body refused mid-stream (413) or stalled (408).
  return response.status === 413 || response.status === 408 ? closing(response) : response;
}

function closing(response: WebhookResponse): WebhookResponse {
  return { ...response, headers: { ...response.headers, connection: "close" } };
}

/**
 * A `node:http` listener: `http.createServer(createNodeHandler(receiver))`. With `path`, other paths get 404;
 * its `:name` segments are route parameters (`/webhooks/:tenant` → `params.tenant`).
 *
 * @example
 * http.createServer(createNodeHandler(receiver, { path: "/webhooks/eulabel" })).listen(3000);
 */
export function createNodeHandler(
  receiver: ReceiverCore,
  options: { path?: string } = {},
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const params = options.path === undefined ? undefined : matchRoute(requestPath(req.url), options.path);
    if (options.path !== undefined && params === undefined) {
      writeNodeResponse(
        res,
        // Says nothing of where webhooks are received: a scanner learns no path.
        errorResponse(notFound()),
      );
      return;
    }
    handleNodeRequest(receiver, req, { params }).then(
      (response) => sendNodeResponse(res, response, receiver),
      () => cutShort(res),
    );
  };
}
