import { createRequire } from "node:module";
import type { Middleware } from "koa";

// Loaded untyped on purpose: @koa/bodyparser's typings augment node's IncomingMessage with a required
// `rawBody: string`, which would leak into every other package's typecheck in this workspace.
const require = createRequire(import.meta.url);

/** `bodyParser()` from @koa/bodyparser (keeps `ctx.request.rawBody` as a string). */
export const koaBodyParser = (options: Record<string, unknown> = {}): Middleware =>
  (require("@koa/bodyparser") as { bodyParser: (o: object) => Middleware }).bodyParser(options);

/** `koaBody()` from koa-body (keeps `ctx.request.rawBody` only with `includeUnparsed: true`). */
export const koaBody = (options: Record<string, unknown> = {}): Middleware =>
  (require("koa-body") as { koaBody: (o: object) => Middleware }).koaBody(options);
