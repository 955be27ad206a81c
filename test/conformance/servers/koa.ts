import http from "node:http";
import { webhookMiddleware } from "@webhook-kit/koa";
import Koa from "koa";
import type { AdapterUnderTest } from "../adapter.js";
import { koaBodyParser } from "./koa-parsers.js";
import { listenOn } from "./listen.js";

/** Koa 3 as an app would mount it: the webhook first, the app's body parser after it. */
export const koaAdapter: AdapterUnderTest = {
  name: "koa",
  start: (receiver, path) => {
    const app = new Koa();
    app.use(webhookMiddleware(receiver, { path }));
    app.use(koaBodyParser());
    return listenOn(http.createServer(app.callback()), path);
  },
};
