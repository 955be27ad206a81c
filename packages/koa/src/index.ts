import type { ReceiverCore } from "@webhook-kit/core";
import { answeredElsewhere, handleNodeRequest, matchRoute, routeParams } from "@webhook-kit/core/node";
import type { Context, Middleware } from "koa";

export interface WebhookMiddlewareOptions {
  /**
   * Only this path is handled; other requests pass to `next()`. Omit when a router already matched it.
   * `:name` segments are route parameters, as a router's own (`ctx.params`) are: both reach `tenant`.
   */
  path?: string;
}

type MaybeKept = { rawBody?: unknown };

/** Why kept text could not stand in for the bytes, in the words of the change that fixes it. */
type Refusal = "not_kept" | "chunked" | "altered";

/**
 * The exact change for each refusal. Both remedies that always work are named in code the user can paste:
 * the webhook before the parser, or (@koa/bodyparser) `ctx.disableBodyParser` on the webhook's path.
 */
function mountHint(refusal: Refusal, path: string): string {
  const order = `Change the order: app.use(webhookMiddleware(receiver, { path: "${path}" })) before app.use(bodyParser()) / app.use(koaBody()).`;
  const skip = `Or, with @koa/bodyparser, skip it on this path: app.use((ctx, next) => { if (ctx.path === "${path}") ctx.disableBodyParser = true; return next(); }) before app.use(bodyParser()).`;
  switch (refusal) {
    case "not_kept":
      return `${order} Or keep the text: koaBody({ includeUnparsed: true }) (@koa/bodyparser always keeps it); it is used when it provably re-encodes to the received bytes.`;
    case "chunked":
      return `The parser kept the body as text, but this upload was chunked (no Content-Length), so that text cannot be proven to be the signed bytes (UTF-8 decoding drops a leading BOM without a trace); keeping text cannot help here. ${order} ${skip}`;
    case "altered":
      return `The text the parser kept is not the received bytes (compressed, not UTF-8, or a byte-order mark dropped), so keeping text cannot help here. ${order} ${skip}`;
  }
}

/**
 * Receives webhooks in Koa 2 or 3. Mount it before any body parser; behind one it uses the kept raw text
 * when that text provably is the received bytes, and otherwise answers at once with `body_already_consumed`.
 * The client address is `ctx.ip`: behind a proxy set `app.proxy = true` and `app.maxIpsCount` to the number of
 * proxies (with `app.proxy` alone the left-most, client-written X-Forwarded-For entry wins).
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
    const matched = options.path === undefined ? undefined : matchRoute(ctx.path, options.path);
    if (options.path !== undefined && matched === undefined) return next();
    // A parser that read the stream left it flowing (or ended); one that skipped this content type did not.
    const consumed = ctx.req.readableFlowing !== null;
    const kept = consumed ? keptBytes(ctx) : undefined;
    const response = await handleNodeRequest(receiver, ctx.req, {
      rawBody: kept instanceof Uint8Array ? kept : undefined,
      remoteAddress: ctx.ip || undefined,
      framework: "Koa",
      // @koa/router and koa-router leave theirs on ctx.params.
      params: routeParams((ctx as { params?: Record<string, unknown> }).params, matched),
      mountHint: () => mountHint(typeof kept === "string" ? kept : "not_kept", options.path ?? ctx.path),
    });
    // Koa itself skips writes to a sent response; saying so in the log is ours.
    if (answeredElsewhere(ctx.res, response, receiver, "Koa")) return;
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
function keptBytes(ctx: Context): Uint8Array | Refusal {
  const kept = (ctx.request as MaybeKept).rawBody ?? (ctx.req as MaybeKept).rawBody;
  if (kept instanceof Uint8Array) return kept;
  if (typeof kept !== "string") return "not_kept";
  const { "content-encoding": encoding = "identity", "content-length": length } = ctx.req.headers;
  if (kept.includes("\uFFFD") || encoding.toLowerCase() !== "identity") return "altered";
  if (length === undefined) return "chunked";
  const bytes = new TextEncoder().encode(kept);
  return bytes.length === Number(length) ? bytes : "altered";
}
