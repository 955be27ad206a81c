import { createReceiver, providers, stripeEvent } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { json, recordAll, request, signed } from "./support.js";

const SECRET = "whsec_stripe_test_secret";
const NOW = 1_700_000_000;
const events = {
  "customer.created": stripeEvent(z.looseObject({ id: z.string(), email: z.string().nullable() })),
};
const provider = () => providers.stripe({ secret: SECRET, events });
const customerCreated = (id: string) => ({
  id,
  object: "event",
  type: "customer.created",
  created: NOW,
  livemode: false,
  data: { object: { id: "cus_123", object: "customer", email: "a@b.c" } },
});
const pretty = (payload: unknown) => `${JSON.stringify(payload, null, 2)}\n`;

describe("providers.stripe", () => {
  it("keys on the evt_ id: two events about one customer stay distinct, a re-signed retry is a duplicate", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => NOW * 1000 });
    const seen = recordAll(receiver);
    let email: string | null | undefined;
    receiver.on("customer.created", (event) => {
      email = event.payload.data.object.email;
    });
    for (const id of ["evt_1", "evt_2"]) {
      const wire = await signed(provider(), pretty(customerCreated(id)), { timestamp: NOW });
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
    }
    const retry = await signed(provider(), pretty(customerCreated("evt_1")), { timestamp: NOW + 60 });
    expect(json((await receiver.handle(request(retry))).body)).toMatchObject({ duplicate: true });
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual(["stripe:evt_1", "stripe:evt_2"]);
    expect(email).toBe("a@b.c");
  });

  it("uses the whsec_ secret as its bytes (not base64) and honours the 300 s window on the receiver's clock", async () => {
    const wire = await signed(provider(), pretty(customerCreated("evt_3")), { timestamp: NOW });
    const late = createReceiver({ provider: provider(), now: () => (NOW + 301) * 1000 });
    expect(json((await late.handle(request(wire))).body).error).toBe("timestamp_out_of_range");
    const wrongSecret = providers.stripe({ secret: "whsec_other" });
    const res = await createReceiver({ provider: wrongSecret, now: () => NOW * 1000 }).handle(request(wire));
    expect(json(res.body).error).toBe("invalid_signature");
  });

  it.each([
    ["milliseconds", 1_000, /milliseconds \(13 digits\).*seconds/],
    ["microseconds", 1_000_000, /microseconds \(16 digits\).*seconds/],
  ])(
    "names the unit when t= is signed in %s; a forged one stays invalid_signature",
    async (_unit, scale, message) => {
      const receiver = createReceiver({ provider: provider(), now: () => NOW * 1000 });
      const wire = await signed(provider(), pretty(customerCreated("evt_unit")), { timestamp: NOW * scale });
      const res = await receiver.handle(request(wire));
      expect([res.status, json(res.body).error]).toEqual([401, "timestamp_out_of_range"]);
      expect(json(res.body).message).toMatch(message);
      expect(res.body).not.toContain(String(NOW * scale));
      const forger = providers.stripe({ secret: "whsec_other" });
      const forged = await signed(forger, pretty(customerCreated("evt_unit")), { timestamp: NOW * scale });
      expect(json((await receiver.handle(request(forged))).body).error).toBe("invalid_signature");
    },
  );

  it.each([["t=abc,v1=00"], ["v1=00"], ["t=1700000000"], ["garbage"], [`t=Infinity,v1=${"0".repeat(64)}`]])(
    "treats %s as invalid, never a crash",
    async (value) => {
      const wire = await signed(provider(), pretty(customerCreated("evt_4")), { timestamp: NOW });
      const bad = { ...wire, headers: { ...wire.headers, "stripe-signature": value } };
      const res = await createReceiver({ provider: provider(), now: () => NOW * 1000 }).handle(request(bad));
      expect(json(res.body).error).toBe("invalid_signature");
    },
  );
});
