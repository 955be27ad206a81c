import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createReceiver, MemoryQueue, providers, STANDARD_WEBHOOKS_UNTYPED, sign } from "@webhook-kit/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { z } from "zod";
import { json, recordAll, request, signed } from "./support.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NOW = 1_700_000_000;
const events = {
  "invoice.paid": z.looseObject({
    type: z.literal("invoice.paid"),
    data: z.looseObject({ amount: z.number() }),
  }),
  "invoice.voided": z.looseObject({ type: z.literal("invoice.voided"), data: z.looseObject({}) }),
};
const provider = (headers: "webhook" | "svix" = "webhook") =>
  providers.standardWebhooks({ secret: SECRET, events, headers });
const paid = { type: "invoice.paid", timestamp: "2023-11-14T22:13:20Z", data: { id: "in_1", amount: 1200 } };

describe("providers.standardWebhooks (and Svix)", () => {
  it("verifies webhook-* and svix-* headers and routes typed events on the body's type", async () => {
    for (const family of ["webhook", "svix"] as const) {
      const receiver = createReceiver({ provider: provider(family), now: () => NOW * 1000 });
      let amount: number | undefined;
      receiver.on("invoice.paid", (event) => {
        expectTypeOf(event.payload.data.amount).toEqualTypeOf<number>();
        amount = event.payload.data.amount;
      });
      const wire = await signed(provider(family), paid, { id: "msg_1", timestamp: NOW });
      expect(Object.keys(wire.headers)).toContain(`${family}-signature`);
      expect((await receiver.handle(request(wire))).status).toBe(200);
      expect(amount).toBe(1200);
    }
  });

  it("keys on webhook-id: one body sent as two messages is two events; a retry of one is a duplicate", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => NOW * 1000 });
    const seen = recordAll(receiver);
    const a = await signed(provider(), paid, { id: "msg_a", timestamp: NOW });
    const b = await signed(provider(), paid, { id: "msg_b", timestamp: NOW });
    const c = await signed(provider(), { type: "invoice.voided", data: {} }, { id: "msg_c", timestamp: NOW });
    for (const wire of [a, b, c])
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
    // Retries are re-signed with a new timestamp but keep the message id.
    const retry = await signed(provider(), paid, { id: "msg_a", timestamp: NOW + 5 });
    expect(retry.headers["webhook-signature"]).not.toBe(a.headers["webhook-signature"]);
    expect(json((await receiver.handle(request(retry))).body)).toMatchObject({ duplicate: true });
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual([
      "standard-webhooks:msg_a",
      "standard-webhooks:msg_b",
      "standard-webhooks:msg_c",
    ]);
  });

  it("names the unit when a sender signs webhook-timestamp in milliseconds; a forged one stays invalid", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => NOW * 1000 });
    const inMs = await signed(provider(), paid, { id: "msg_ms", timestamp: NOW * 1000 });
    const res = await receiver.handle(request(inMs));
    expect(res.status).toBe(401);
    expect(json(res.body).error).toBe("timestamp_out_of_range");
    expect(json(res.body).message).toMatch(/milliseconds.*seconds/);
    const forger = providers.standardWebhooks({ secret: "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==" });
    const forged = await signed(forger, paid, { id: "msg_ms", timestamp: NOW * 1000 });
    expect(json((await receiver.handle(request(forged))).body).error).toBe("invalid_signature");
  });

  it("names the unit for a microsecond webhook-timestamp too; a forged one stays invalid", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => NOW * 1000 });
    const inUs = await signed(provider(), paid, { id: "msg_us", timestamp: NOW * 1_000_000 });
    const res = await receiver.handle(request(inUs));
    expect([res.status, json(res.body).error]).toEqual([401, "timestamp_out_of_range"]);
    expect(json(res.body).message).toMatch(/microseconds \(16 digits\).*seconds/);
    const forger = providers.standardWebhooks({ secret: "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldA==" });
    const forged = await signed(forger, paid, { id: "msg_us", timestamp: NOW * 1_000_000 });
    expect(json((await receiver.handle(request(forged))).body).error).toBe("invalid_signature");
  });

  it("uses the injected clock for the ±5 min window", async () => {
    const wire = await signed(provider(), paid, { id: "msg_old", timestamp: NOW });
    const late = createReceiver({ provider: provider(), now: () => (NOW + 301) * 1000 });
    const res = await late.handle(request(wire));
    expect(res.status).toBe(401);
    expect(json(res.body).error).toBe("timestamp_out_of_range");
    const onTime = createReceiver({ provider: provider(), now: () => (NOW + 299) * 1000 });
    expect((await onTime.handle(request(wire))).status).toBe(200);
  });

  it("reads the event type where told", async () => {
    const nested = providers.standardWebhooks({ secret: SECRET, eventType: "meta.kind" });
    const receiver = createReceiver({ provider: nested, now: () => NOW * 1000 });
    const seen = recordAll(receiver);
    const wire = await sign(nested, JSON.stringify({ meta: { kind: "thing.done" } }), {
      id: "msg_x",
      timestamp: NOW,
    });
    await receiver.handle(request({ headers: wire.headers, body: wire.body }));
    expect(seen.mock.calls[0]?.[0].type).toBe("thing.done");
  });

  it("refuses a delivery whose webhook-id was swapped (the id is signed)", async () => {
    const wire = await signed(provider(), paid, { id: "msg_1", timestamp: NOW });
    const swapped = { ...wire, headers: { ...wire.headers, "webhook-id": "msg_2" } };
    const res = await createReceiver({ provider: provider(), now: () => NOW * 1000 }).handle(
      request(swapped),
    );
    expect(json(res.body).error).toBe("invalid_signature");
  });

  it.each([["v1,not-base64!"], ["v1,"], [","], ["v2,abc v1a,def"], [`v1,${"A".repeat(100000)}`]])(
    "treats the malformed header %# as invalid, never a crash",
    async (value) => {
      const wire = await signed(provider(), paid, { id: "msg_1", timestamp: NOW });
      const bad = { ...wire, headers: { ...wire.headers, "webhook-signature": value } };
      const res = await createReceiver({ provider: provider(), now: () => NOW * 1000 }).handle(request(bad));
      expect(json(res.body).error).toBe("invalid_signature");
    },
  );
});

describe("providers.standardWebhooks: a verified payload without `type` (the spec says *should*, not must)", () => {
  const vectors = JSON.parse(
    readFileSync(fileURLToPath(new URL("../fixtures/vectors/signatures.json", import.meta.url)), "utf8"),
  ) as {
    standard_webhooks: {
      id: string;
      secret: string;
      msgId: string;
      timestamp: number;
      payload: string;
      expectedSignatureHeader: string;
    }[];
  };
  const v = vectors.standard_webhooks.find((x) => x.id === "sw-sign-1")!;
  const wire = () => ({
    headers: {
      "content-type": "application/json",
      "webhook-id": v.msgId,
      "webhook-timestamp": String(v.timestamp),
      "webhook-signature": v.expectedSignatureHeader,
    },
    body: new TextEncoder().encode(v.payload),
  });

  it('the spec\'s own vector {"test": 2432232314} is accepted and routed to "*" as STANDARD_WEBHOOKS_UNTYPED', async () => {
    expect(v.payload).toBe('{"test": 2432232314}');
    const receiver = createReceiver({
      provider: providers.standardWebhooks({ secret: v.secret, events }),
      now: () => v.timestamp * 1000,
      logger: false,
    });
    const seen = recordAll(receiver);
    const res = await receiver.handle(request(wire()));
    expect(res.status).toBe(200);
    expect(json(res.body)).toEqual({ received: true });
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]?.[0]).toMatchObject({
      type: STANDARD_WEBHOOKS_UNTYPED,
      payload: { test: 2432232314 },
      id: `standard-webhooks:${v.msgId}`,
    });
    expect(STANDARD_WEBHOOKS_UNTYPED).toBe("(untyped)");
    // A retry of the same message is a duplicate, as for a typed one.
    expect(json((await receiver.handle(request(wire()))).body)).toEqual({ received: true, duplicate: true });
  });

  it('with a queue: 202, and the worker runs the "*" handler with the same type', async () => {
    const receiver = createReceiver({
      provider: providers.standardWebhooks({ secret: v.secret }),
      queue: new MemoryQueue(),
      now: () => v.timestamp * 1000,
      logger: false,
    });
    const types: string[] = [];
    receiver.on("*", (event) => {
      types.push(event.type);
    });
    expect((await receiver.handle(request(wire()))).status).toBe(202);
    const worker = receiver.work();
    try {
      for (let i = 0; i < 500 && types.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(types).toEqual([STANDARD_WEBHOOKS_UNTYPED]);
    } finally {
      await worker.close();
    }
  });

  it("a type that is present but not a non-empty string is untyped too; a typed one still routes by name", async () => {
    const provider = providers.standardWebhooks({ secret: SECRET, events });
    const receiver = createReceiver({ provider, now: () => NOW * 1000, logger: false });
    const seen = recordAll(receiver);
    for (const [i, body] of [{ type: "" }, { type: 7 }, paid].entries()) {
      const res = await receiver.handle(
        request(await signed(provider, body, { id: `msg_${i}`, timestamp: NOW })),
      );
      expect(res.status).toBe(200);
    }
    expect(seen.mock.calls.map(([event]) => event.type)).toEqual([
      STANDARD_WEBHOOKS_UNTYPED,
      STANDARD_WEBHOOKS_UNTYPED,
      "invoice.paid",
    ]);
  });
});
