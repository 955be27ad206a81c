import { checkContinue } from "@webhook-kit/core/node";
import { webhookPlugin } from "@webhook-kit/fastify";
import type { AdapterUnderTest } from "@webhook-kit/testing/conformance";
import Fastify from "fastify";

/** Fastify 5 on its own server (its request handling, not a node:http bridge), the plugin registered. */
export const fastifyAdapter: AdapterUnderTest = {
  name: "fastify",
  start: async (receiver, path, before) => {
    const app = Fastify({ forceCloseConnections: true });
    if (before) {
      app.addHook("onRequest", (request, reply, done) => {
        before(request.raw, reply.raw);
        done();
      });
    }
    await app.register(webhookPlugin, { receiver, path });
    app.server.on("checkContinue", checkContinue(receiver, { path }));
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    return { url: `http://127.0.0.1:${port}${path}`, close: () => app.close() };
  },
};
