import http from "node:http";
import type { ReceiverCore } from "@webhook-kit/core";
import { answeredElsewhere, handleNodeRequest, routeParams } from "@webhook-kit/core/node";
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest, HTTPMethods } from "fastify";
import fp from "fastify-plugin";

export interface WebhookPluginOptions {
  receiver: ReceiverCore;
  /** The route, e.g. "/webhooks/eulabel" (below any prefix of the context it is registered in). */
  path: string;
}

/**
 * Every method Node parses reaches core, so a GET or a PROPFIND gets the contract's 405 with `Allow: POST`
 * (its body unread), not Fastify's 404 after reading the whole body. Fastify 5 routes only the methods it
 * knows (GET, HEAD, TRACE, POST, PUT, PATCH, DELETE, OPTIONS, QUERY): the others are added to the app with
 * `addHttpMethod`, which makes them routable and changes nothing else (no route, so still 404 elsewhere).
 * CONNECT never reaches a request handler in Node.
 */
function routeEveryMethod(app: FastifyInstance): HTTPMethods[] {
  const known = new Set(app.supportedMethods);
  for (const method of http.METHODS) {
    if (method !== "CONNECT" && !known.has(method)) app.addHttpMethod(method, { hasBody: true });
  }
  return app.supportedMethods.filter((method) => method !== "CONNECT") as HTTPMethods[];
}

/**
 * The encapsulated child context. Core answers in the route's own `onRequest` hook: before Fastify looks at
 * the Content-Type (it answers an empty or invalid one with its own 415, even on DELETE or OPTIONS) and
 * before any parser, so core reads the exact bytes (limit while streaming, body timeout) as on node:http.
 * The app's own parsers, hooks before ours, and the bodies its other routes parse are not affected.
 */
async function webhookContext(
  instance: FastifyInstance,
  { receiver, path }: WebhookPluginOptions,
): Promise<void> {
  const onRequest = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const response = await handleNodeRequest(receiver, request.raw, {
      remoteAddress: request.ip,
      framework: "Fastify",
      // Set by the router before onRequest: a `path` such as "/webhooks/:tenant" reaches `tenant`.
      params: routeParams(request.params as Record<string, unknown> | undefined),
    });
    // A hook that answered first (a response timeout) keeps its answer; ours is logged, not re-sent.
    if (answeredElsewhere(reply.raw, response, receiver, "Fastify")) return reply;
    return reply.code(response.status).headers(response.headers).send(response.body);
  };
  // Never reached: the hook always answers. Kept because a route needs a handler.
  const handler = (_request: FastifyRequest, reply: FastifyReply): void => {
    if (!reply.sent) reply.code(500).send();
  };
  const methods = routeEveryMethod(instance);
  instance.route({ method: methods, url: path, onRequest, handler });
  // Core's path rule ignores one trailing slash; Fastify's router already decodes unreserved escapes.
  const twin = path.endsWith("/") ? path.slice(0, -1) : `${path}/`;
  if (twin === "") return;
  try {
    instance.route({ method: methods, url: twin, onRequest, handler });
  } catch (error) {
    // The app's ignoreTrailingSlash already routes the twin here.
    if ((error as { code?: string }).code !== "FST_ERR_DUPLICATED_ROUTE") throw error;
  }
}

const plugin: FastifyPluginAsync<WebhookPluginOptions> = async (app, options) => {
  if (typeof options?.receiver?.handle !== "function" || typeof options.path !== "string") {
    throw new TypeError(
      "webhookPlugin: register it with { receiver, path }, e.g. { receiver, path: '/webhooks/eulabel' }.",
    );
  }
  await app.register(webhookContext, { receiver: options.receiver, path: options.path });
};

/**
 * Receives webhooks in Fastify 5: `app.register(webhookPlugin, { receiver, path })`. The route lives in
 * its own encapsulated context, so registering it changes no parser or body of the app's other routes.
 * The client address is `request.ip`, so Fastify's `trustProxy` is honoured.
 *
 * @example
 * const app = Fastify();
 * await app.register(webhookPlugin, { receiver, path: "/webhooks/eulabel" });
 */
export const webhookPlugin = fp(plugin, { fastify: "5.x", name: "@webhook-kit/fastify" });

export default webhookPlugin;
