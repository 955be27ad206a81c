import type { StandardSchemaV1 } from "@standard-schema/spec";
import { z } from "zod/v4";
import { isThenable } from "../schema.js";
import type { SecretSource } from "../signature/secrets.js";
import { timestampedHmacSignature } from "../signature/timestamped.js";
import {
  asString,
  defineProvider,
  type EventSchemas,
  type PayloadSchema,
  type Provider,
  type TypedEvents,
  type WithEvents,
} from "./define.js";
import { HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

/** What every Stripe event carries around `data.object`; unknown fields are kept. */
export interface StripeEventEnvelope<O> {
  /** The event id (evt_…): the same on every retry, so it is the idempotency key. */
  id: string;
  object: "event";
  type: string;
  created: number;
  livemode: boolean;
  data: { object: O; [field: string]: unknown };
  [field: string]: unknown;
}

const envelope = z.looseObject({
  id: z.string(),
  object: z.literal("event"),
  type: z.string(),
  created: z.number(),
  livemode: z.boolean(),
  data: z.looseObject({ object: z.unknown() }),
});

/**
 * A Stripe event envelope checked at run time around your validator of `data.object` (any Standard Schema:
 * zod 3 or 4, valibot, arktype, …). Its issues are reported under `data.object.…`.
 *
 * @example
 * const events = { "customer.created": stripeEvent(z.looseObject({ id: z.string(), email: z.string().nullable() })) };
 */
export function stripeEvent<O extends StandardSchemaV1>(
  object: O,
): PayloadSchema<StripeEventEnvelope<StandardSchemaV1.InferOutput<O>>> {
  type Event = StripeEventEnvelope<StandardSchemaV1.InferOutput<O>>;
  type Result = StandardSchemaV1.Result<Event>;
  return {
    "~standard": {
      version: 1,
      vendor: "webhook-kit",
      validate(value): Result | Promise<Result> {
        const outer = envelope.safeParse(value);
        if (!outer.success) return { issues: outer.error.issues };
        const event = outer.data;
        const inner = object["~standard"].validate(event.data.object);
        const combine = (result: StandardSchemaV1.Result<unknown>): Result =>
          result.issues
            ? {
                issues: result.issues.map((issue) => ({
                  message: issue.message,
                  path: ["data", "object", ...(issue.path ?? [])],
                })),
              }
            : { value: { ...event, data: { ...event.data, object: result.value } } as Event };
        return isThenable(inner) ? Promise.resolve(inner).then(combine) : combine(inner);
      },
    },
  };
}

/** Event type → event, from a union discriminated by `type` such as the `stripe` package's `Stripe.Event`. */
export type StripeEventPayloads<Events extends { type: string }> = {
  [T in Events["type"]]: Extract<Events, { type: T }>;
};

/**
 * Types every event of `Stripe.Event` (or any union discriminated by `type`) with nothing at run time: the
 * `stripe` package stays a type-only import. Spread your validators after it to check some events too.
 *
 * @example
 * import type Stripe from "stripe";
 * const provider = providers.stripe({
 *   secret: process.env.STRIPE_WEBHOOK_SECRET!,
 *   events: { ...stripeEvents<Stripe.Event>(), "invoice.paid": stripeEvent(invoiceSchema) },
 * });
 */
export function stripeEvents<Events extends { type: string }>(): TypedEvents<StripeEventPayloads<Events>> {
  return {};
}

export interface StripeOptions<E extends EventSchemas> {
  /** The endpoint's signing secret `whsec_…`, used as its bytes as they are (not base64-decoded). */
  secret: SecretSource;
  /**
   * Validators for the events you want checked at run time, e.g. `{ "invoice.paid": stripeEvent(invoiceSchema) }`,
   * and/or `...stripeEvents<Stripe.Event>()` to type every Stripe event without checking it.
   */
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
 * Name the `stripe` package's event union as the type argument to type every event with no run-time cost
 * (`import type` keeps stripe-node out of your bundle); or pass validators in `events` to check some.
 *
 * @example
 * import type Stripe from "stripe";
 * const receiver = createReceiver({ provider: providers.stripe<Stripe.Event>({ secret: process.env.STRIPE_WEBHOOK_SECRET! }) });
 * receiver.on("customer.created", (event) => welcome(event.payload.data.object.email));
 */
export function stripe<
  Events extends { type: string } = never,
  const E extends EventSchemas = Record<never, never>,
>(options: StripeOptions<E>): Provider<WithEvents<TypedEvents<StripeEventPayloads<Events>>, E>> {
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
    signs: "{t}.{raw body}",
    // Stripe-Signature carries the timestamp too; it is the signature, so it is never stored.
    deliveryHeaders: [],
    // Only the user's validators exist at run time; Stripe's event union is types alone.
    routesUndeclared: true,
    events: (options.events ?? {}) as WithEvents<TypedEvents<StripeEventPayloads<Events>>, E>,
    eventType: ({ body }) => asString(body.type),
    idempotencyKey: options.idempotencyKey ?? (({ body }) => asString(body.id)),
    // Stripe does not publish an exact timeout; answer well within 10 s.
    timeoutMs: 10 * SECOND,
    // "Up to 3 days with an exponential back off", delays unpublished: doubling from 1 h fits in 3 days.
    retrySchedule: [0, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, 32 * HOUR],
    // Keyed by evt_…: a day past the 3 days costs nothing.
    retentionMs: 96 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
