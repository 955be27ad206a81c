import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { randomAlphanumeric } from "./values.js";

const envelope = <O extends object>(id: string, type: string, created: number, object: O) => ({
  id,
  object: "event",
  account: "acct_123",
  api_version: "2024-06-20",
  created,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: "req_123", idempotency_key: "idempotency-key-123" },
  type,
});

/**
 * Stripe. Of its events, `customer.created` is Stripe's public test fixture event (as in the signature vectors);
 * the others follow the same envelope with `data.object` trimmed to the fields most handlers read.
 */
export const stripe = definePlatform({
  name: "stripe",
  preset: "stripe",
  create: (secret) => providers.stripe({ secret }),
  userAgent: "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
  // Stripe publishes neither a timeout nor its delays ("up to 3 days with an exponential back off").
  assumed: { timeoutMs: true, retrySchedule: true },
  // Stripe sends indented JSON with a trailing newline, and signs every attempt anew.
  serialise: (payload) => `${JSON.stringify(payload, null, 2)}\n`,
  resignEachAttempt: true,
  // Keyed by the body's evt_… id.
  fresh: (payload, now) => ({
    ...payload,
    id: `evt_${randomAlphanumeric(24)}`,
    created: Math.floor(now / 1000),
    request: { id: `req_${randomAlphanumeric(14)}`, idempotency_key: globalThis.crypto.randomUUID() },
  }),
  fixtures: {
    "customer.created": {
      id: "evt_123",
      object: "event",
      account: "acct_123",
      api_version: "2017-05-25",
      created: 1533204620,
      data: {
        object: {
          id: "cus_123",
          object: "customer",
          created: 123456789,
          email: "test@stripe.com",
          livemode: false,
          metadata: {},
        },
      },
      livemode: false,
      pending_webhooks: 1,
      request: { id: "req_123", idempotency_key: "idempotency-key-123" },
      type: "customer.created",
    },
    "checkout.session.completed": envelope("evt_124", "checkout.session.completed", 1705314600, {
      id: "cs_test_123",
      object: "checkout.session",
      amount_total: 2000,
      currency: "eur",
      customer: "cus_123",
      customer_details: { email: "test@stripe.com" },
      mode: "payment",
      payment_intent: "pi_123",
      payment_status: "paid",
      status: "complete",
      metadata: {},
    }),
    "payment_intent.succeeded": envelope("evt_125", "payment_intent.succeeded", 1705314601, {
      id: "pi_123",
      object: "payment_intent",
      amount: 2000,
      amount_received: 2000,
      currency: "eur",
      customer: "cus_123",
      status: "succeeded",
      metadata: {},
    }),
    "invoice.paid": envelope("evt_126", "invoice.paid", 1705314602, {
      id: "in_123",
      object: "invoice",
      amount_paid: 2000,
      currency: "eur",
      customer: "cus_123",
      status: "paid",
      subscription: "sub_123",
    }),
  },
});
