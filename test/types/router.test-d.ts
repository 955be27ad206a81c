import {
  createReceiver,
  defineProvider,
  hmacSignature,
  providers,
  type WebhookEvent,
} from "@webhook-kit/core";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";

const receiver = createReceiver({ provider: providers.eulabel({ secret: "s" }) });

describe("typed router", () => {
  it("infers the payload per event from its zod schema", () => {
    receiver.on("passport.published", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"passport.published">();
      expectTypeOf(event.payload.compliance.completeness).toEqualTypeOf<number>();
      expectTypeOf(event.payload.compliance.missingFields).items.toHaveProperty("field");
      expectTypeOf(event.payload.version).toEqualTypeOf<number | undefined>();
      expectTypeOf(event.id).toEqualTypeOf<string>();
      expectTypeOf(event.attempt).toEqualTypeOf<number | undefined>();
    });
  });

  it("gives a union for several types, narrowed by type", () => {
    receiver.on(["passport.deleted", "passport.published"], (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"passport.deleted" | "passport.published">();
      if (event.type === "passport.published") expectTypeOf(event.payload.compliance).not.toBeUndefined();
    });
  });

  it("rejects a misspelled event name at compile time", () => {
    // @ts-expect-error — "passport.publish" is not an EUlabel event
    receiver.on("passport.publish", () => {});
    // @ts-expect-error — not in an array either
    receiver.on(["passport.published", "scan.treshold"], () => {});
  });

  it('"*" receives every event, known or not', () => {
    receiver.on("*", (event) => {
      expectTypeOf(event).toExtend<WebhookEvent>();
      expectTypeOf(event.type).toExtend<string>();
    });
  });

  it("types a custom provider from the user's schemas", () => {
    const acme = defineProvider({
      name: "acme",
      signature: hmacSignature({ header: "x-acme-signature", secret: "s" }),
      events: { "order.paid": z.looseObject({ orderId: z.string(), total: z.number() }) },
      eventType: ({ body }) => body.type as string | undefined,
      idempotencyKey: ({ headers }) => headers["x-acme-delivery"],
    });
    const r = createReceiver({ provider: acme });
    r.on("order.paid", (event) => {
      expectTypeOf(event.payload.total).toEqualTypeOf<number>();
    });
    // @ts-expect-error — unknown to this provider
    r.on("order.refunded", () => {});
  });
});
