import http from "node:http";
import { createReceiver, providers, type ReceiverCore, sign } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { recordAll, SECRET, signed } from "./support.js";

const serve = listenPerTest();
const listen = (receiver: ReceiverCore) =>
  serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks" })), "/webhooks");

describe("presets over real HTTP", () => {
  it("eudr: a signed delivery and its retry through node:http, retry acknowledged as duplicate", async () => {
    const provider = providers.eudr({ secret: SECRET });
    const receiver = createReceiver({ provider });
    const seen = recordAll(receiver);
    const url = await listen(receiver);
    const payload = {
      event: "supplier.updated",
      timestamp: "2024-01-15T10:30:00.000Z",
      integrationId: "int_abc123",
      data: { externalId: "VENDOR-001", internalId: "clx1" },
    };
    const wire = await signed(provider, payload, { headers: { "x-webhook-id": "wh_abc123" } });
    const first = await send(url, { headers: wire.headers, body: wire.body });
    const retry = await send(url, { headers: wire.headers, body: wire.body, chunked: true });
    expect(first.status).toBe(200);
    expect(retry.json).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it("shipping: the body-embedded signature survives a real socket and a fetch Request byte for byte", async () => {
    const provider = providers.shipping({ secret: SECRET });
    const receiver = createReceiver({ provider });
    const seen = recordAll(receiver);
    const url = await listen(receiver);
    const body =
      '{\n  "event": "shipment.created",\n  "data": { "id": "ship_123", "status": "créé" },\n  "timestamp": "2024-01-15T10:30:00Z"\n}';
    const wire = await sign(provider, body);
    const viaNode = await send(url, { headers: { "content-type": "application/json" }, body: wire.body });
    expect(viaNode.status).toBe(200);
    const viaFetch = await receiver.fetch(
      new Request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: wire.body as Uint8Array<ArrayBuffer>,
      }),
    );
    expect(await viaFetch.json()).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(1);
  });
});
