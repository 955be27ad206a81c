import { createReceiver, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const provider = () => providers.eulabelInbound({ secret: SECRET });
const item = (event: string, overrides: Record<string, unknown> = {}) => ({
  event,
  id: "item_42",
  gtin: "05601234567890",
  timestamp: "2026-03-25T10:00:00Z",
  data: { name: "Vinho Verde 2024", alcohol: 11.5 },
  ...overrides,
});

describe("providers.eulabelInbound (seed 000)", () => {
  it("verifies X-Webhook-Signature: sha256=<hex> and keeps unknown fields", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const wire = await signed(provider(), item("item.create", { custom: { kept: true } }));
    expect(wire.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect((await receiver.handle(request(wire))).status).toBe(200);
    expect(seen.mock.calls[0]?.[0].payload).toMatchObject({
      custom: { kept: true },
      data: { alcohol: 11.5 },
    });
  });

  it("finds the type in event, else type, else the X-Webhook-Event header", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    await receiver.handle(request(await signed(provider(), item("item.create"))));
    await receiver.handle(request(await signed(provider(), { type: "item.update", sku: "A1" })));
    await receiver.handle(
      request(await signed(provider(), { sku: "A2" }, { headers: { "x-webhook-event": "item.update" } })),
    );
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual(["item.create", "item.update", "item.update"]);
    const untyped = await receiver.handle(request(await signed(provider(), { sku: "A3" })));
    expect(untyped.status).toBe(400);
  });

  it("never merges two pushes about one item; a redelivery is a duplicate", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const create = await signed(provider(), item("item.create"));
    const update = await signed(provider(), item("item.update"));
    const update2 = await signed(
      provider(),
      item("item.update", { data: { name: "Vinho Verde 2024", alcohol: 12 } }),
    );
    for (const wire of [create, update, update2])
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
    expect(json((await receiver.handle(request(update))).body)).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(3);
  });

  it("answers within EUlabel's 30 s", () => {
    expect(createReceiver({ provider: provider() }).ackDeadlineMs).toBe(24_000);
  });
});
