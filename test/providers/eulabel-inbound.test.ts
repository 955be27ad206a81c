import http from "node:http";
import { createReceiver, providers, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const serve = listenPerTest();
const listen = (receiver: ReceiverCore) =>
  serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks/pim" })), "/webhooks/pim");

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

  it("finds the type in the signed body's event, else its type", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    await receiver.handle(request(await signed(provider(), item("item.create"))));
    await receiver.handle(request(await signed(provider(), { type: "item.update", sku: "A1" })));
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual(["item.create", "item.update"]);
    const untyped = await receiver.handle(request(await signed(provider(), { sku: "A3" })));
    expect(untyped.status).toBe(400);
  });

  it("never routes on the unsigned X-Webhook-Event: one signed body cannot replay under other type names", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const url = await listen(receiver);
    // A body that names no type: the header would be the only source, and anyone can rewrite it.
    const untyped = await signed(provider(), { sku: "A2", price: 10 });
    for (const type of ["item.update", "item.create", "anything.else"]) {
      const res = await send(url, {
        headers: { ...untyped.headers, "x-webhook-event": type },
        body: untyped.body,
      });
      expect(res.status).toBe(400);
      expect(res.json.error).toBe("invalid_payload");
      expect(String(res.json.message)).toMatch(/X-Webhook-Event/);
      expect(String(res.json.message)).toMatch(/not signed/);
    }
    // A typed body replayed under other header values is the same delivery: routed on the body, once.
    const typed = await signed(provider(), item("item.update"));
    const answers = [];
    for (const type of ["item.update", "item.create", "anything.else"]) {
      const res = await send(url, {
        headers: { ...typed.headers, "x-webhook-event": type },
        body: typed.body,
      });
      answers.push(res.json);
    }
    expect(answers).toEqual([
      { received: true },
      { received: true, duplicate: true },
      { received: true, duplicate: true },
    ]);
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual(["item.update"]);
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
