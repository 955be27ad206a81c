import http from "node:http";
import { checkContinue } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/koa";
import type { AdapterUnderTest } from "@webhook-kit/testing/conformance";
import Koa from "koa";
import Koa2 from "koa2";
import { koaBodyParser } from "./koa-parsers.js";
import { listenOn } from "./listen.js";

/** Koa 3 as an app would mount it: the webhook first, the app's body parser after it. */
export const koaAdapter: AdapterUnderTest = {
  name: "koa",
  start: (receiver, path, before) => {
    const app = new Koa();
    if (before) {
      app.use((ctx, next) => {
        before(ctx.req, ctx.res);
        return next();
      });
    }
    app.use(webhookMiddleware(receiver, { path }));
    app.use(koaBodyParser());
    const server = http.createServer(app.callback());
    server.on("checkContinue", checkContinue(receiver, { path }));
    return listenOn(server, path);
  },
};

/** Koa 2 (the "koa2" alias of npm:koa@^2), which the package's peer range still covers: the same mounting. */
export const koa2Adapter: AdapterUnderTest = {
  name: "koa@2",
  start: (receiver, path, before) => {
    const app = new Koa2();
    if (before) {
      app.use((ctx, next) => {
        before(ctx.req, ctx.res);
        return next();
      });
    }
    app.use(webhookMiddleware(receiver, { path }) as unknown as Parameters<typeof app.use>[0]);
    app.use(koaBodyParser() as unknown as Parameters<typeof app.use>[0]);
    const server = http.createServer(app.callback());
    server.on("checkContinue", checkContinue(receiver, { path }));
    return listenOn(server, path);
  },
};
