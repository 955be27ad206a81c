import { z } from "zod";
import { asString, defineProvider, type EventSchemas, type Provider } from "../provider.js";
import type { SecretInput } from "../signature/secrets.js";
import { timestampedHmacSignature } from "../signature/timestamped.js";
import { HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

/**
 * A Stripe event envelope around your schema of `data.object`.
 *
 * @example
 * const events = { "customer.created": stripeEvent(z.looseObject({ id: z.string(), email: z.string().nullable() })) };
 */
export function stripeEvent<O extends z.ZodType>(object: O) {
  return z.looseObject({
    id: z.string(),
    object: z.literal("event"),
    type: z.string(),
    created: z.number(),
    livemode: z.boolean(),
    data: z.looseObject({ object }),
  });
}

export interface StripeOptions<E extends EventSchemas> {
  /** The endpoint's signing secret `whsec_…`, used as its bytes as they are (not base64-decoded). */
  secret: SecretInput;
  /** Your events, e.g. `{ "invoice.paid": stripeEvent(invoiceSchema) }`. */
  events?: E;
  /** Replay window. Default 300 s, as Stripe's libraries. */
  toleranceSeconds?: number;
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=…]` over `${t}.${body}` (any v1 may match, v0 is
 * ignored), a 300 s window, event type in the body's `type`, key = the body's `id` (evt_…), which every
 * retry repeats. Live-mode retries last up to 3 days, so keys are kept 4 days.
 *
 * @example
 * const receiver = createReceiver({
 *   provider: providers.stripe({
 *     secret: process.env.STRIPE_WEBHOOK_SECRET!,
 *     events: { "checkout.session.completed": stripeEvent(z.looseObject({ id: z.string() })) },
 *   }),
 * });
 */
export function stripe<const E extends EventSchemas = Record<never, never>>(
  options: StripeOptions<E>,
): Provider<E> {
  return defineProvider({
    name: "stripe",
    signature: timestampedHmacSignature({
      header: "stripe-signature",
      timestamp: { key: "t" },
      signatureKey: "v1",
      signedContent: ({ timestamp, body }) => [timestamp, ".", body],
      secret: options.secret,
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
      platform: "Stripe",
    }),
    events: options.events ?? ({} as E),
    eventType: ({ body }) => asString(body.type),
    idempotencyKey: options.idempotencyKey ?? (({ body }) => asString(body.id)),
    // Stripe does not publish an exact timeout; answer well within 10 s.
    timeoutMs: 10 * SECOND,
    retentionMs: 96 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
