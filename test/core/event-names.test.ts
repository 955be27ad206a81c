import { createReceiver, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { capturingLogger } from "../hardening/support.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// JavaScript has no type check on receiver.on(name): a typo registers silently and the real events are
// acknowledged unhandled. The receiver says so at registration, and logs an unhandled type at warn.

const noCheck = { version: 1, vendor: "test", validate: (value: unknown) => ({ value }) } as const;

const warnings = (logger: ReturnType<typeof capturingLogger>) =>
  logger.lines.filter((l) => l.level === "warn").map((l) => l.msg ?? "");

async function delivery(event: string) {
  const { body, headers } = await signedDelivery(passportEvent(event));
  return { method: "POST", headers, rawBody: body, remoteAddress: "127.0.0.1" };
}

describe("receiver.on(name): a name the provider does not declare", () => {
  it("warns once, naming the closest declared type", () => {
    const logger = capturingLogger();
    const receiver = createReceiver({ provider: eulabel(), logger });
    // A JavaScript caller: no type stops the typo.
    const on = receiver.on as (type: string, handler: () => void) => unknown;
    on("passport.publishd", () => {});
    on("passport.publishd", () => {});
    expect(warnings(logger)).toEqual([
      expect.stringContaining('receiver.on("passport.publishd"): eulabel declares no such event type'),
    ]);
    expect(warnings(logger)[0]).toContain('did you mean "passport.published"?');
  });

  it('is silent for declared names, "*", and providers whose senders deliver undeclared types', () => {
    const logger = capturingLogger();
    const eu = createReceiver({ provider: eulabel(), logger });
    eu.on("passport.published", () => {});
    eu.on("*", () => {});
    eu.on(["passport.published", "passport.deleted"], () => {});
    const github = createReceiver({ provider: providers.github({ secret: "s" }), logger });
    github.on("issues.opened", () => {});
    github.on("pull_request.closed", () => {});
    // Stripe with one validator declared: every other Stripe type is still real.
    const stripe = createReceiver({
      provider: providers.stripe({ secret: "s", events: { "invoice.paid": { "~standard": noCheck } } }),
      logger,
    });
    (stripe.on as (t: string, h: () => void) => unknown)("customer.created", () => {});
    expect(warnings(logger)).toEqual([]);
  });

  it("with nothing close, lists the declared types", () => {
    const logger = capturingLogger();
    const on = createReceiver({ provider: eulabel(), logger }).on as (t: string, h: () => void) => unknown;
    on("zzz", () => {});
    expect(warnings(logger)[0]).toContain("its types: passport.");
  });
});

describe("an unhandled event type is logged at warn, once per type per interval", () => {
  it("two deliveries of one unhandled type: one line; another type: its own line", async () => {
    const logger = capturingLogger();
    const receiver = createReceiver({ provider: eulabel(), logger });
    receiver.on("passport.deleted", () => {});
    for (const event of ["passport.published", "passport.published", "passport.updated"]) {
      const res = await receiver.handle(await delivery(event));
      expect(JSON.parse(res.body)).toEqual({ received: true, handled: false });
    }
    const unhandled = warnings(logger).filter((m) => m.startsWith("no handler for event type"));
    expect(unhandled).toHaveLength(2);
    expect(
      logger.lines.filter((l) => l.level === "warn").map((l) => (l.obj as { type?: string }).type),
    ).toEqual(["passport.published", "passport.updated"]);
  });
});
