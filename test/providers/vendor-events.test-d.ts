import { createReceiver, providers, stripeEvent, stripeEvents } from "@webhook-kit/core";
import type Stripe from "stripe";
import { describe, expectTypeOf, it } from "vitest";
import { z } from "zod";

describe("providers.github types every GitHub event from GitHub's published webhook types", () => {
  const github = createReceiver({ provider: providers.github({ secret: "s" }) });

  it("push, issues.opened, pull_request.closed, workflow_run.completed, ping", () => {
    github.on("push", (event) => {
      expectTypeOf(event.type).toEqualTypeOf<"push">();
      expectTypeOf(event.payload).toHaveProperty("head_commit");
      expectTypeOf(event.payload.ref).toEqualTypeOf<string>();
      expectTypeOf(event.payload.head_commit).extract<null>().toEqualTypeOf<null>();
      expectTypeOf(event.payload.head_commit?.id).toEqualTypeOf<string | undefined>();
    });
    github.on("issues.opened", (event) => {
      expectTypeOf(event.payload.issue.number).toEqualTypeOf<number>();
      expectTypeOf(event.payload.action).toEqualTypeOf<"opened">();
    });
    github.on(["pull_request.closed", "pull_request.opened"], (event) => {
      expectTypeOf(event.payload.pull_request.number).toEqualTypeOf<number>();
      if (event.type === "pull_request.closed") expectTypeOf(event.payload.action).toEqualTypeOf<"closed">();
    });
    github.on("workflow_run.completed", (event) => {
      expectTypeOf(event.payload.workflow_run).toHaveProperty("conclusion");
    });
    // Actions keep GitHub's underscores; the spec's hyphenated operation names never leak through.
    github.on("check_run.requested_action", (event) => {
      expectTypeOf(event.payload.action).toEqualTypeOf<"requested_action">();
    });
    // repository_dispatch's action is the client's event_type: any name routes, typed.
    github.on("repository_dispatch.deploy", (event) => {
      expectTypeOf(event.payload.client_payload).toEqualTypeOf<{ [key: string]: unknown } | null>();
    });
    // ping keeps its run-time check, so zen and hook_id are typed as always present.
    github.on("ping", (event) => {
      expectTypeOf(event.payload.zen).toEqualTypeOf<string>();
      expectTypeOf(event.payload.hook_id).toEqualTypeOf<number>();
    });
  });

  it("a typo or a bare event name under event.action routing is a compile error", () => {
    // @ts-expect-error no such event
    github.on("pushh", () => {});
    // @ts-expect-error no such action
    github.on("issues.openned", () => {});
    // @ts-expect-error with the default routing, issues arrive as issues.<action>
    github.on("issues", () => {});
  });

  it("routing: 'event' types the bare names, each a union over its actions", () => {
    const byEvent = createReceiver({ provider: providers.github({ secret: "s", routing: "event" }) });
    byEvent.on("issues", (event) => {
      expectTypeOf(event.payload.issue.number).toEqualTypeOf<number>();
      expectTypeOf<"opened" | "closed">().toExtend<typeof event.payload.action>();
    });
    // @ts-expect-error with routing: "event", there is no issues.opened
    byEvent.on("issues.opened", () => {});
  });

  it("the user's validators still add to and override GitHub's types", () => {
    const own = createReceiver({
      provider: providers.github({
        secret: "s",
        events: { "issues.opened": z.looseObject({ issue: z.looseObject({ number: z.number() }) }) },
      }),
    });
    own.on("issues.opened", (event) => expectTypeOf(event.payload.issue.number).toEqualTypeOf<number>());
    own.on("push", (event) => expectTypeOf(event.payload).toHaveProperty("head_commit"));
  });
});

describe("providers.stripe types events from the stripe package's own union, type-only", () => {
  it("providers.stripe<Stripe.Event>({ secret })", () => {
    const stripe = createReceiver({ provider: providers.stripe<Stripe.Event>({ secret: "whsec_x" }) });
    stripe.on("customer.created", (event) => {
      expectTypeOf(event.payload).toEqualTypeOf<Stripe.CustomerCreatedEvent>();
      expectTypeOf(event.payload.data.object.email).toEqualTypeOf<string | null>();
    });
    stripe.on(["invoice.paid", "invoice.payment_failed"], (event) => {
      expectTypeOf(event.payload.data.object).toEqualTypeOf<Stripe.Invoice>();
    });
    // @ts-expect-error a typo is a compile error
    stripe.on("customer.craeted", () => {});
  });

  it("stripeEvents<Stripe.Event>() next to the user's validators", () => {
    const stripe = createReceiver({
      provider: providers.stripe({
        secret: "whsec_x",
        events: {
          ...stripeEvents<Stripe.Event>(),
          "invoice.paid": stripeEvent(z.looseObject({ amount_paid: z.number() })),
        },
      }),
    });
    stripe.on("customer.created", (event) => {
      expectTypeOf(event.payload.data.object.email).toEqualTypeOf<string | null>();
    });
    // The validated event's type is the validator's output.
    stripe.on("invoice.paid", (event) => {
      expectTypeOf(event.payload.data.object.amount_paid).toEqualTypeOf<number>();
    });
    // @ts-expect-error still a closed union
    stripe.on("invoice.payed", () => {});
  });

  it("without a union or validators, only '*' routes (as before)", () => {
    const bare = createReceiver({ provider: providers.stripe({ secret: "whsec_x" }) });
    bare.on("*", (event) => expectTypeOf(event.type).toEqualTypeOf<string>());
    // @ts-expect-error nothing declared
    bare.on("customer.created", () => {});
  });
});
