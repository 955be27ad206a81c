// A Koa app with a webhook endpoint and its own JSON API: the webhook middleware goes first.
import { bodyParser } from "@koa/bodyparser";
import { createReceiver, providers } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/koa";
import Koa from "koa";

/**
 * @param {{ secret: string, log?: (line: string) => void }} options
 */
export function createApp({ secret, log = console.log }) {
  const receiver = createReceiver({ provider: providers.eulabel({ secret }) });

  receiver.on("passport.enriched", (event) => {
    log(`enriched ${event.payload.id}: now ${event.payload.compliance.completeness}% complete`);
  });
  receiver.on("passport.published", (event) => {
    const { id, compliance, passportUrl } = event.payload;
    log(`published ${id}: ${compliance.status} → ${passportUrl}`);
  });

  const app = new Koa();
  // Behind a reverse proxy, set app.proxy = true and app.maxIpsCount = <number of proxies> so ctx.ip (used for
  // allow-lists) is the client's address — safe only if nothing but the proxy can reach the app (SECURITY.md).
  app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
  // The app's own parser comes after: it never sees the webhook's bytes.
  app.use(bodyParser());
  app.use((ctx) => {
    if (ctx.path === "/health") ctx.body = { ok: true };
    else if (ctx.path === "/api/notes" && ctx.method === "POST") ctx.body = { saved: ctx.request.body };
  });
  return { app, receiver };
}
