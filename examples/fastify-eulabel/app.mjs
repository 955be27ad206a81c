// A Fastify app with a webhook endpoint and its own JSON routes, which keep Fastify's parsed bodies.
import { createReceiver, providers } from "@webhook-kit/core";
import webhookPlugin from "@webhook-kit/fastify";
import Fastify from "fastify";

/**
 * @param {{ secret: string, log?: (line: string) => void, fastifyOptions?: import("fastify").FastifyServerOptions }} options
 */
export async function createApp({ secret, log = console.log, fastifyOptions = {} }) {
  const receiver = createReceiver({ provider: providers.eulabel({ secret }) });

  receiver.on("passport.enriched", (event) => {
    log(`enriched ${event.payload.id}: now ${event.payload.compliance.completeness}% complete`);
  });
  receiver.on("passport.published", (event) => {
    const { id, compliance, passportUrl } = event.payload;
    log(`published ${id}: ${compliance.status} → ${passportUrl}`);
  });

  // Behind a reverse proxy, pass the proxies' addresses, e.g. { trustProxy: "loopback" } or "10.0.0.0/8", so
  // request.ip (used for allow-lists) is the client's. Never true (the client writes the left-most entry), and
  // not a number (Fastify 5 then ignores X-Forwarded-For): see SECURITY.md.
  const app = Fastify(fastifyOptions);
  await app.register(webhookPlugin, { receiver, path: "/webhooks/eulabel" });
  app.post("/api/notes", async (request) => ({ saved: request.body }));
  app.get("/health", async () => ({ ok: true }));
  return { app, receiver };
}
