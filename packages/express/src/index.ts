import type { ReceiverCore } from "@webhook-kit/core";
import { handleNodeRequest, matchRoute, routeParams, sendNodeResponse } from "@webhook-kit/core/node";
import type { NextFunction, Request, RequestHandler, Response } from "express";

export interface WebhookMiddlewareOptions {
  /**
   * Only this path is handled; other requests pass to `next()`. Omit when mounted with `app.post(path, …)`.
   * `:name` segments are route parameters, as Express's own (`req.params`) are: both reach `tenant`.
   */
  path?: string;
}

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
    const matched = options.path === undefined ? undefined : matchRoute(req.path, options.path);
    if (options.path !== undefined && matched === undefined) return next();
    // The bytes a parser kept (`req.rawBody`, an `express.raw` Buffer) and whether one read the stream are
    // core's to see: handleNodeRequest reads what Connect-style parsers leave.
    handleNodeRequest(receiver, req, {
      remoteAddress: req.ip,
      framework: "Express",
      mountHint: MOUNT_HINT,
      params: routeParams(req.params, matched),
    }).then(
      // Never a throw from here: a response a timeout middleware already sent is logged, not re-sent.
      (response) =>
        sendNodeResponse(res, response, receiver, {
          framework: "Express",
          write: () => res.status(response.status).set(response.headers).send(response.body),
        }),
      next,
    );
  };
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
