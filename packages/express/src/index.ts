import type { ReceiverCore } from "@webhook-kit/core";
import { handleNodeRequest, matchesPath } from "@webhook-kit/core/node";
import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface WebhookMiddlewareOptions {
  /** Only this path is handled; other requests pass to `next()`. Omit when mounted with `app.post(path, …)`. */
  path?: string;
}

type WithRawBody = Request & { rawBody?: unknown };

const MOUNT_HINT =
  'Register webhookMiddleware before express.json(), or keep the bytes: express.json({ verify: keepRawBody }) from "@webhook-kit/express".';

/**
 * Receives webhooks in Express 4 or 5, as `app.use(webhookMiddleware(r, { path }))` or `app.post(path, webhookMiddleware(r))`.
 *
 * @example
 * app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
 */
export function webhookMiddleware(
  receiver: ReceiverCore,
  options: WebhookMiddlewareOptions = {},
): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (options.path !== undefined && !matchesPath(req.path, options.path)) return next();
    const raw = (req as WithRawBody).rawBody;
    handleNodeRequest(receiver, req, {
      rawBody: raw instanceof Uint8Array ? raw : req.body instanceof Uint8Array ? req.body : undefined,
      bodyParsed: streamWasRead(req),
      remoteAddress: req.ip,
      framework: "Express",
      mountHint: MOUNT_HINT,
    }).then((response) => {
      res.status(response.status).set(response.headers).send(response.body);
    }, next);
  };
}

/**
 * Whether a body parser really read the request stream. Not `req.body !== undefined`: body-parser 1.x
 * (Express 4) sets `req.body = {}` even for a content type it skips without reading a byte. body-parser
 * marks a read with `req._body = true`; any reader leaves the stream flowing, paused or ended.
 */
function streamWasRead(req: Request): boolean {
  return (req as { _body?: unknown })._body === true || req.readableFlowing !== null || req.readableEnded;
}

/**
 * A `verify` hook for Express's body parsers that keeps the exact bytes on `req.rawBody`, so a webhook
 * route still verifies when `express.json()` runs first.
 *
 * @example
 * app.use(express.json({ verify: keepRawBody }));
 */
export function keepRawBody(req: object, _res: unknown, buffer: Uint8Array): void {
  (req as { rawBody?: Uint8Array }).rawBody = buffer;
}
