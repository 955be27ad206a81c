import type { ReceiverCore } from "@webhook-kit/core";
import { handleNodeRequest } from "@webhook-kit/core/node";
import type { Context, Middleware } from "koa";

export interface WebhookMiddlewareOptions {
  /** Only this path is handled; other requests pass to `next()`. Omit when a router already matched it. */
  path?: string;
}

type MaybeKept = { rawBody?: unknown };

const MOUNT_HINT =
  "In Koa, app.use(webhookMiddleware(...)) before the body parser, or let the parser keep the text (@koa/bodyparser does; koaBody({ includeUnparsed: true })): it is used when it provably re-encodes to the received bytes.";

/**
 * Receives webhooks in Koa 2 or 3. Mount it before any body parser; behind one it uses the kept raw text
 * when that text provably is the received bytes, and otherwise answers at once with `body_already_consumed`.
 * The client address is `ctx.ip`, so `app.proxy = true` is honoured.
 *
 * @example
 * const app = new Koa();
 * app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
 * app.use(bodyParser());
 */
export function webhookMiddleware(
  receiver: ReceiverCore,
  options: WebhookMiddlewareOptions = {},
): Middleware {
  return async (ctx, next) => {
    if (options.path !== undefined && ctx.path !== options.path) return next();
    // A parser that read the stream left it flowing (or ended); one that skipped this content type did not.
    const consumed = ctx.req.readableFlowing !== null;
    const response = await handleNodeRequest(receiver, ctx.req, {
      rawBody: consumed ? keptBytes(ctx) : undefined,
      bodyParsed: consumed,
      remoteAddress: ctx.ip || undefined,
      framework: "Koa",
      mountHint: MOUNT_HINT,
    });
    ctx.status = response.status;
    ctx.set(response.headers);
    ctx.body = response.body;
  };
}

/**
 * Koa parsers keep the body as a decoded string (`ctx.request.rawBody`), never as bytes. Re-encoding it
 * gives the received bytes back only when decoding lost nothing: no compression, no U+FFFD (invalid UTF-8
 * or a non-UTF-8 charset), and the UTF-8 length equals the declared Content-Length (a stripped BOM or any
 * other change fails that). Otherwise the text is not used, and the signature is never computed over it.
 */
function keptBytes(ctx: Context): Uint8Array | undefined {
  const kept = (ctx.request as MaybeKept).rawBody ?? (ctx.req as MaybeKept).rawBody;
  if (kept instanceof Uint8Array) return kept;
  if (typeof kept !== "string" || kept.includes("\uFFFD")) return undefined;
  const { "content-encoding": encoding = "identity", "content-length": length } = ctx.req.headers;
  if (encoding.toLowerCase() !== "identity" || length === undefined) return undefined;
  const bytes = new TextEncoder().encode(kept);
  return bytes.length === Number(length) ? bytes : undefined;
}
