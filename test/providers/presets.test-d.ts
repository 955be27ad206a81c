import {
  createReceiver,
  defineProvider,
  providers,
  STANDARD_WEBHOOKS_UNTYPED,
  stripeEvent,
  timestampedHmacSignature,
} from "@webhook-kit/core";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";

describe("preset event names are closed unions with inferred payloads", () => {
  it("eudr, generic, shipping, eulabelInbound", () => {
    const eudr = createReceiver({ provider: providers.eudr({ secret: "s" }) });
    eudr.on("supplier.updated", (event) => {
      expectTypeOf(event.payload.data.internalId).toEqualTypeOf<string>();
      expectTypeOf(event.payload.integrationId).toEqualTypeOf<string>();
    });
    // @ts-expect-error a typo is a compile error
    eudr.on("supplier.craeted", () => {});

    const generic = createReceiver({ provider: providers.generic({ secret: "s" }) });
    generic.on(["team.member.added", "team.member.role_changed"], (event) => {
      expectTypeOf(event.payload.data.role).toEqualTypeOf<string | undefined>();
      expectTypeOf(event.payload.id).toEqualTypeOf<string>();
    });
    // @ts-expect-error the seed has no team.created
    generic.on("team.created", () => {});

    const shipping = createReceiver({
      provider: providers.shipping({ secret: "s", allowedIps: ["10.0.0.0/8"] }),
    });
    shipping.on("shipment.updated", (event) => {
      expectTypeOf(event.payload.data.status).toEqualTypeOf<string | undefined>();
    });

    const inbound = createReceiver({ provider: providers.eulabelInbound({ secret: "s" }) });
    inbound.on("item.create", (event) =>
      expectTypeOf(event.payload.gtin).toEqualTypeOf<string | undefined>(),
    );
  });

  it("standardWebhooks, stripe and github take the user's events; without them only '*' routes", () => {
    const bare = createReceiver({ provider: providers.standardWebhooks({ secret: "whsec_AAAA" }) });
    bare.on("*", (event) => expectTypeOf(event.type).toEqualTypeOf<string>());
    // @ts-expect-error no events were declared
    bare.on("invoice.paid", () => {});

    const stripe = createReceiver({
      provider: providers.stripe({
        secret: "whsec_x",
        events: { "invoice.paid": stripeEvent(z.looseObject({ amount_paid: z.number() })) },
      }),
    });
    stripe.on("invoice.paid", (event) => {
      expectTypeOf(event.payload.data.object.amount_paid).toEqualTypeOf<number>();
      expectTypeOf(event.payload.livemode).toEqualTypeOf<boolean>();
    });

    const github = createReceiver({
      provider: providers.github({
        secret: "s",
        events: { "issues.opened": z.looseObject({ issue: z.looseObject({ number: z.number() }) }) },
      }),
    });
    github.on("ping", (event) => expectTypeOf(event.payload.zen).toEqualTypeOf<string>());
    github.on("issues.opened", (event) => expectTypeOf(event.payload.issue.number).toEqualTypeOf<number>());
  });

  it("Standard Webhooks: a payload without `type` reaches '*' as the literal \"(untyped)\", payload untyped", () => {
    expectTypeOf(STANDARD_WEBHOOKS_UNTYPED).toEqualTypeOf<"(untyped)">();
    const typed = createReceiver({
      provider: providers.standardWebhooks({
        secret: "whsec_AAAA",
        events: { "invoice.paid": z.looseObject({ amount: z.number() }) },
      }),
    });
    typed.on("*", (event) => {
      // "*" handlers are typed for types the preset does not know, with a payload nothing promises.
      expectTypeOf<typeof STANDARD_WEBHOOKS_UNTYPED>().toExtend<typeof event.type>();
      expectTypeOf<Readonly<Record<string, unknown>>>().toExtend<typeof event.payload>();
    });
    // @ts-expect-error it is not a declared event: only "*" handlers receive it
    typed.on(STANDARD_WEBHOOKS_UNTYPED, () => {});
  });

  it("a custom provider can state header, signed content, encoding and tolerance", () => {
    const slack = defineProvider({
      name: "slack",
      signature: timestampedHmacSignature({
        header: "x-slack-signature",
        prefix: "v0=",
        timestamp: { header: "x-slack-request-timestamp" },
        signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
        encoding: "hex",
        toleranceSeconds: 300,
        secret: "s",
      }),
      events: { app_mention: z.looseObject({ event: z.looseObject({ text: z.string() }) }) },
      eventType: ({ body }) => (body.event as { type?: string } | undefined)?.type,
      idempotencyKey: ({ body }) => body.event_id as string | undefined,
    });
    createReceiver({ provider: slack }).on("app_mention", (event) => {
      expectTypeOf(event.payload.event.text).toEqualTypeOf<string>();
    });
  });
});
