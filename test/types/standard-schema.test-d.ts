import {
  createReceiver,
  defineProvider,
  hmacSignature,
  providers,
  stripeEvent,
  type TypedEvents,
} from "@webhook-kit/core";
import { type } from "arktype";
import * as v from "valibot";
import { describe, expectTypeOf, it } from "vitest";
import { z as z3 } from "zod3";

const base = {
  name: "acme",
  signature: hmacSignature({ header: "x-acme-signature", secret: "s" }),
  eventType: ({ body }: { body: Readonly<Record<string, unknown>> }) => body.type as string | undefined,
  idempotencyKey: ({ headers }: { headers: Readonly<Record<string, string>> }) => headers["x-acme-delivery"],
};

describe("any Standard Schema validator types the payload", () => {
  it("zod 3 schemas are accepted and inferred (no TS2740, no `unknown`)", () => {
    const acme = defineProvider({
      ...base,
      events: {
        "order.paid": z3.object({ orderId: z3.string(), total: z3.string().transform(Number) }).passthrough(),
      },
    });
    createReceiver({ provider: acme }).on("order.paid", (event) => {
      expectTypeOf(event.payload.orderId).toEqualTypeOf<string>();
      // The validator's output, not its input.
      expectTypeOf(event.payload.total).toEqualTypeOf<number>();
    });
  });

  it("valibot, arktype and zod 3 mixed in one provider", () => {
    const acme = defineProvider({
      ...base,
      events: {
        "a.valibot": v.object({ n: v.pipe(v.string(), v.transform(Number)), tags: v.array(v.string()) }),
        "b.arktype": type({ n: "number", "label?": "string" }),
        "c.zod3": z3.object({ n: z3.number().optional() }),
      },
    });
    const receiver = createReceiver({ provider: acme });
    receiver.on("a.valibot", (event) => {
      expectTypeOf(event.payload.n).toEqualTypeOf<number>();
      expectTypeOf(event.payload.tags).toEqualTypeOf<string[]>();
    });
    receiver.on("b.arktype", (event) => {
      expectTypeOf(event.payload.n).toEqualTypeOf<number>();
      expectTypeOf(event.payload.label).toEqualTypeOf<string | undefined>();
    });
    receiver.on(["a.valibot", "c.zod3"], (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"a.valibot" | "c.zod3">();
      if (event.type === "c.zod3") expectTypeOf(event.payload.n).toEqualTypeOf<number | undefined>();
    });
    // @ts-expect-error not one of the provider's events
    receiver.on("d.missing", () => {});
  });

  it("preset `events` options take zod 3, valibot and arktype too", () => {
    const sw = createReceiver({
      provider: providers.standardWebhooks({
        secret: "whsec_AAAA",
        events: { "invoice.paid": z3.object({ data: z3.object({ id: z3.string() }) }) },
      }),
    });
    sw.on("invoice.paid", (event) => expectTypeOf(event.payload.data.id).toEqualTypeOf<string>());

    const gh = createReceiver({
      provider: providers.github({
        secret: "s",
        events: { "issues.opened": v.object({ issue: v.object({ number: v.number(), title: v.string() }) }) },
      }),
    });
    // The user's validator replaces GitHub's type for that name.
    gh.on("issues.opened", (event) => {
      expectTypeOf(event.payload).toEqualTypeOf<{ issue: { number: number; title: string } }>();
    });

    const stripe = createReceiver({
      provider: providers.stripe({
        secret: "whsec_x",
        events: { "invoice.paid": stripeEvent(type({ amount_paid: "number" })) },
      }),
    });
    stripe.on("invoice.paid", (event) => {
      expectTypeOf(event.payload.data.object.amount_paid).toEqualTypeOf<number>();
      expectTypeOf(event.payload.livemode).toEqualTypeOf<boolean>();
    });
  });

  it("TypedEvents types a custom provider with no validator at run time", () => {
    const acme = defineProvider<TypedEvents<{ "order.paid": { orderId: string } }>>({ ...base, events: {} });
    createReceiver({ provider: acme }).on("order.paid", (event) => {
      expectTypeOf(event.payload.orderId).toEqualTypeOf<string>();
    });
  });
});
