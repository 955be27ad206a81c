// The receiver a user writes: one preset, typed handlers, one middleware line.
import { createReceiver, providers } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/express";
import express from "express";

/**
 * @param {{ secret: string, log?: (line: string) => void }} options
 */
export function createApp({ secret, log = console.log }) {
  const receiver = createReceiver({
    provider: providers.eulabel({ secret }),
    // The embedded default store (MemoryStore, lru-cache) — no infrastructure needed.
  });

  receiver.on("passport.draft_created", (event) => {
    const { id, compliance } = event.payload;
    log(
      `draft ${id}: ${compliance.completeness}% complete, missing ${compliance.missingFields.map((f) => f.field).join(", ")}`,
    );
  });
  receiver.on("passport.enriched", (event) => {
    const { id, compliance } = event.payload;
    log(`enriched ${id}: now ${compliance.completeness}% complete`);
  });
  receiver.on("passport.published", (event) => {
    const { id, compliance, passportUrl } = event.payload;
    log(`published ${id}: ${compliance.status} under ${compliance.regulation} → ${passportUrl}`);
  });

  const app = express();
  // Mounted before any body parser: the middleware reads the exact bytes itself.
  app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
  app.use(express.json());
  app.get("/health", (_req, res) => {
    res.json({ ok: true });
  });
  return { app, receiver };
}
