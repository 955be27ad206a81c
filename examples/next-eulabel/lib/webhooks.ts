import { createReceiver, providers } from "@webhook-kit/core";

/**
 * Makes the EUlabel receiver. Routes pass this function (not its result) to webhookRoute/webhookApiRoute,
 * which call it on the first request: `next build` evaluates route modules, and needs no secret that way.
 * Next.js bundles each route on its own, so each route has its own receiver and in-memory dedupe; with
 * several routes or instances for one sender, pass a shared store such as RedisStore from @webhook-kit/redis.
 */
export function eulabelReceiver() {
  const secret = process.env.EULABEL_SECRET;
  if (!secret) throw new Error("Set EULABEL_SECRET to the webhook secret shown in your EUlabel dashboard.");
  const receiver = createReceiver({ provider: providers.eulabel({ secret }) });
  receiver.on("passport.published", async (event) => {
    console.log(`passport ${event.payload.id} published, ${event.payload.compliance.completeness}% complete`);
  });
  receiver.on(["passport.draft_created", "passport.enriched"], async (event) => {
    console.log(`passport ${event.payload.id}: ${event.type}`);
  });
  return receiver;
}
