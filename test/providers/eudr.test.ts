import { createHmac } from "node:crypto";
import { createReceiver, providers, utf8Bytes } from "@webhook-kit/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { json, recordAll, request, SECRET, signed } from "./support.js";

/** Seed 002's example payload, with a distinct timestamp per call. */
let n = 0;
function supplierEvent(event = "supplier.created", data: Record<string, unknown> = {}) {
  n += 1;
  return {
    event,
    timestamp: new Date(Date.UTC(2024, 0, 15, 10, 30, n)).toISOString(),
    integrationId: "int_abc123",
    data: { externalId: "VENDOR-001", internalId: "clx123", ...data },
  };
}

/** Headers as N'entropy sends them; X-Webhook-Id is the endpoint's id, the same on every delivery. */
const eudrHeaders = (payload: { event: string; timestamp: string }, endpoint = "wh_abc123") => ({
  "x-webhook-event": payload.event,
  "x-webhook-id": endpoint,
  "x-webhook-timestamp": payload.timestamp,
  "user-agent": "EUDR-Platform-Webhook/1.0",
});

const provider = () => providers.eudr({ secret: SECRET });

describe("providers.eudr (seed 002)", () => {
  it("verifies and hands over the typed supplier event", async () => {
    const receiver = createReceiver({ provider: provider() });
    let external: string | undefined;
    receiver.on("supplier.created", (event) => {
      expectTypeOf(event.payload.data.externalId).toEqualTypeOf<string>();
      external = event.payload.data.externalId;
    });
    const payload = supplierEvent();
    const res = await receiver.handle(
      request(await signed(provider(), payload, { headers: eudrHeaders(payload) })),
    );
    expect(res.status).toBe(200);
    expect(external).toBe("VENDOR-001");
  });

  it("accepts X-Webhook-Signature with and without sha256=, hex of either case", async () => {
    const body = JSON.stringify(supplierEvent());
    const hex = createHmac("sha256", SECRET).update(body).digest("hex");
    for (const value of [`sha256=${hex}`, hex, hex.toUpperCase()]) {
      const receiver = createReceiver({ provider: provider() });
      const res = await receiver.handle(
        request({ headers: { "x-webhook-signature": value }, body: utf8Bytes(body) }),
      );
      expect(res.status, value.slice(0, 10)).toBe(200);
    }
  });

  it("uses the whsec_ secret as its UTF-8 bytes, unless secretEncoding is base64", async () => {
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = JSON.stringify(supplierEvent());
    const asText = createHmac("sha256", secret).update(body).digest("hex");
    const asBase64 = createHmac("sha256", Buffer.from(secret.slice(6), "base64"))
      .update(body)
      .digest("hex");
    const send = (secretEncoding: "utf8" | "base64", value: string) =>
      createReceiver({ provider: providers.eudr({ secret, secretEncoding }) }).handle(
        request({ headers: { "x-webhook-signature": value }, body: utf8Bytes(body) }),
      );
    expect((await send("utf8", asText)).status).toBe(200);
    expect((await send("utf8", asBase64)).status).toBe(401);
    expect((await send("base64", asBase64)).status).toBe(200);
    expect((await send("base64", asText)).status).toBe(401);
  });

  it("never merges distinct events that share the endpoint id, the integration and the supplier", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const events = [
      supplierEvent("supplier.created"),
      supplierEvent("supplier.updated"),
      supplierEvent("supplier.updated", { name: "renamed" }),
      supplierEvent("sync.completed", { count: 3 }),
    ];
    for (const payload of events) {
      const res = await receiver.handle(
        request(await signed(provider(), payload, { headers: eudrHeaders(payload) })),
      );
      expect(json(res.body)).toEqual({ received: true });
    }
    expect(seen).toHaveBeenCalledTimes(4);
    expect(new Set(seen.mock.calls.map(([event]) => event.id)).size).toBe(4);
    for (const [event] of seen.mock.calls) expect(event.id).not.toContain("wh_abc123");
  });

  it("recognises a retry (the same bytes) as the same delivery, whatever X-Webhook-Id says", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const payload = supplierEvent();
    const first = await signed(provider(), payload, { headers: eudrHeaders(payload) });
    expect((await receiver.handle(request(first))).status).toBe(200);
    const retry = { ...first, headers: { ...first.headers, ...eudrHeaders(payload, "wh_other_endpoint") } };
    const res = await receiver.handle(request(retry));
    expect(res.status).toBe(200);
    expect(json(res.body)).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it("routes on the signed body, not the unsigned X-Webhook-Event header", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const payload = supplierEvent("supplier.updated");
    const wire = await signed(provider(), payload, {
      headers: { ...eudrHeaders(payload), "x-webhook-event": "sync.completed" },
    });
    await receiver.handle(request(wire));
    expect(seen.mock.calls[0]?.[0].type).toBe("supplier.updated");
  });

  it("never takes the type from X-Webhook-Event alone: a body without event is refused, whatever the header says", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const body = { timestamp: "2024-01-15T10:30:00.000Z", integrationId: "int_abc123", data: {} };
    for (const type of ["sync.completed", "anything.else"]) {
      const wire = await signed(provider(), body, { headers: { "x-webhook-event": type } });
      const res = await receiver.handle(request(wire));
      expect(res.status).toBe(400);
      expect(json(res.body).message).toMatch(/X-Webhook-Event header is not signed/);
    }
    expect(seen).not.toHaveBeenCalled();
  });

  it("rejects a supplier event without the documented envelope", async () => {
    const receiver = createReceiver({ provider: provider() });
    const { integrationId: _, ...payload } = supplierEvent();
    const res = await receiver.handle(request(await signed(provider(), payload)));
    expect(res.status).toBe(400);
    expect(res.body).toContain("integrationId");
  });

  it("answers before the 10 s timeout and lets a retry take over a crashed claim", () => {
    const receiver = createReceiver({ provider: provider() });
    expect(receiver.ackDeadlineMs).toBe(8_000);
    expect(provider().leaseMs).toBeLessThan(30_000);
    // Keys outlive the last retry (≈ 76 s) by a 10 min margin, and no longer (test/providers/retention.test.ts).
    expect(provider().retentionMs).toBe(12 * 60_000);
  });

  it("never puts the secret or the expected signature in its error", async () => {
    const body = JSON.stringify(supplierEvent());
    const expected = createHmac("sha256", SECRET).update(body).digest("hex");
    const res = await createReceiver({ provider: provider() }).handle(
      request({ headers: { "x-webhook-signature": "sha256=00" }, body: utf8Bytes(body) }),
    );
    expect(res.status).toBe(401);
    expect(res.body).not.toContain(SECRET);
    expect(res.body).not.toContain(expected);
  });
});
