import { createHash, createHmac } from "node:crypto";
import {
  bodyWithoutField,
  createReceiver,
  providers,
  sign,
  utf8Bytes,
  verify,
  verifyDelivery,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { json, recordAll, SECRET } from "./support.js";

const provider = () => providers.shipping({ secret: SECRET });
const hmac = (content: string | Uint8Array, secret = SECRET) =>
  createHmac("sha256", secret).update(content).digest("hex");
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Seed 004's example, without its placeholder signature. */
const shipment = (event = "shipment.created", status = "created", timestamp = "2024-01-15T10:30:00Z") => ({
  event,
  data: { id: "ship_123", status, created_at: "2024-01-15T10:30:00Z" },
  timestamp,
});

/** What a sender does: serialise without the field, sign those bytes, serialise again with it. */
function senderBody(
  payload: Record<string, unknown>,
  where: "first" | "last" | "middle",
  indent?: number | string,
) {
  const signature = hmac(JSON.stringify(orderWith(payload, where, undefined), null, indent));
  return JSON.stringify(orderWith(payload, where, signature), null, indent);
}
function orderWith(
  payload: Record<string, unknown>,
  where: "first" | "last" | "middle",
  signature: string | undefined,
) {
  if (signature === undefined) return payload;
  const entries = Object.entries(payload);
  const at = where === "first" ? 0 : where === "last" ? entries.length : 1;
  entries.splice(at, 0, ["signature", signature]);
  return Object.fromEntries(entries);
}

const post = (body: string | Uint8Array, remoteAddress = "127.0.0.1") => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  rawBody: typeof body === "string" ? utf8Bytes(body) : body,
  remoteAddress,
});

describe("providers.shipping (seed 004): the signature inside the body", () => {
  it.each([
    ["last, compact", "last", undefined],
    ["last, indented", "last", 2],
    ["first, compact", "first", undefined],
    ["first, indented", "first", 4],
    ["in the middle, compact", "middle", undefined],
    ["in the middle, tab-indented", "middle", "\t"],
  ] as const)("verifies a sender that put the member %s", async (_, where, indent) => {
    const body = senderBody(shipment(), where, indent);
    expect((await verify(provider(), post(body))).ok).toBe(true);
  });

  it("removes exactly the member: the signed content is the body serialised without it", () => {
    const payload = shipment();
    const withSig = JSON.stringify({ ...payload, signature: "ab" }, null, 2);
    expect(text(bodyWithoutField(utf8Bytes(withSig))!)).toBe(JSON.stringify(payload, null, 2));
    expect(text(bodyWithoutField(utf8Bytes('{"signature":"ab"}'))!)).toBe("{}");
    expect(
      text(bodyWithoutField(utf8Bytes('{ "a": [1, {"signature": "x"}], "signature" : "ab" , "b": "}" }'))!),
    ).toBe('{ "a": [1, {"signature": "x"}], "b": "}" }');
  });

  it("signs by appending the member, and verifies what it signed", async () => {
    const signedDelivery = await sign(provider(), JSON.stringify(shipment()));
    const body = text(signedDelivery.body);
    expect(body).toBe(
      `${JSON.stringify(shipment()).slice(0, -1)},"signature":"${hmac(JSON.stringify(shipment()))}"}`,
    );
    expect(signedDelivery.headers).toEqual({});
    expect((await verify(provider(), post(signedDelivery.body))).ok).toBe(true);
  });

  it.each([
    ["a changed nested value", (b: string) => b.replace('"created"', '"delivered"')],
    ["a nested signature member changed", (b: string) => b.replace('"status"', '"signature":"x","status"')],
    ["whitespace added outside the member", (b: string) => b.replace('{"event"', '{ "event"')],
    [
      "a second top-level signature member",
      (b: string) => b.replace('{"event"', `{"signature":"${"0".repeat(64)}","event"`),
    ],
  ])("refuses %s", async (_, tamper) => {
    const body = text((await sign(provider(), JSON.stringify(shipment()))).body);
    expect((await verify(provider(), post(body))).ok).toBe(true);
    expect((await verify(provider(), post(tamper(body)))).ok).toBe(false);
  });

  it.each([
    ["no signature member", JSON.stringify(shipment()), "missing_signature"],
    ["a non-string signature", JSON.stringify({ ...shipment(), signature: 42 }), "missing_signature"],
    ["not JSON", "signature=abc", "missing_signature"],
    ["truncated JSON", '{"signature":"ab', "missing_signature"],
    [
      "a short signature",
      JSON.stringify({ ...shipment(), signature: "abcdef1234567890" }),
      "invalid_signature",
    ],
  ])("reports %s as %s, never a crash", async (_, body, code) => {
    expect(await verify(provider(), post(body))).toMatchObject({ ok: false, code });
  });

  it("lets the user define the signed content", async () => {
    // e.g. a platform that signs only `${event}.${timestamp}`.
    const custom = providers.shipping({
      secret: SECRET,
      signedContent: (_raw, parsed) => utf8Bytes(`${String(parsed.event)}.${String(parsed.timestamp)}`),
    });
    const payload = shipment();
    const body = JSON.stringify({ ...payload, signature: hmac(`${payload.event}.${payload.timestamp}`) });
    expect((await verify(custom, post(body))).ok).toBe(true);
    expect((await verify(provider(), post(body))).ok).toBe(false);
    const self = await sign(custom, JSON.stringify(payload));
    expect(json(text(self.body)).signature).toBe(hmac(`${payload.event}.${payload.timestamp}`));
  });

  it("never merges two updates of one shipment; a redelivery (even re-signed after rotation) is a duplicate", async () => {
    const rotated = () => providers.shipping({ secret: ["new_secret", SECRET] });
    const receiver = createReceiver({ provider: rotated() });
    const seen = recordAll(receiver);
    const bodies = [
      shipment(),
      shipment("shipment.updated", "in_transit", "2024-01-15T11:00:00Z"),
      shipment("shipment.updated", "delivered", "2024-01-15T12:00:00Z"),
      { event: "user.created", data: { id: "ship_123" }, timestamp: "2024-01-15T10:30:00Z" },
    ];
    for (const payload of bodies) {
      const wire = await sign(rotated(), JSON.stringify(payload), { secretIndex: 1 });
      expect(json((await receiver.handle(post(wire.body))).body)).toEqual({ received: true });
    }
    expect(new Set(seen.mock.calls.map(([e]) => e.id)).size).toBe(4);
    const resigned = await sign(rotated(), JSON.stringify(bodies[1]), { secretIndex: 0 });
    expect(json((await receiver.handle(post(resigned.body))).body)).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(4);
  });

  it("computes the body without its signature once per delivery: verify hands it to the key", async () => {
    let calls = 0;
    const counted = () =>
      providers.shipping({
        secret: SECRET,
        signedContent: (raw) => {
          calls += 1;
          return bodyWithoutField(raw)!;
        },
      });
    const wire = await sign(counted(), JSON.stringify(shipment()));
    const content = bodyWithoutField(wire.body)!;
    const expectedId = `shipping:shipment.created:${createHash("sha256").update(content).digest("hex")}`;

    calls = 0;
    const receiver = createReceiver({ provider: counted() });
    const seen = recordAll(receiver);
    expect((await receiver.handle(post(wire.body))).status).toBe(200);
    expect(calls).toBe(1);
    expect(seen.mock.calls[0]![0].id).toBe(expectedId);

    calls = 0;
    const event = await verifyDelivery(counted(), wire.body, {});
    expect(calls).toBe(1);
    expect(event.id).toBe(expectedId);

    // The default rule too: what verify computed is what the key is derived from.
    const outcome = await verify(provider(), post(wire.body));
    expect(outcome).toEqual({ ok: true, signedContent: content });
    const plain = await verifyDelivery(provider(), wire.body, {});
    expect(plain.id).toBe(expectedId);
  });

  it("passes allowedIps on to the receiver's allow-list", async () => {
    const fenced = providers.shipping({ secret: SECRET, allowedIps: ["203.0.113.0/24"] });
    expect(fenced.allowedIps).toEqual(["203.0.113.0/24"]);
    const receiver = createReceiver({ provider: fenced });
    const wire = await sign(fenced, JSON.stringify(shipment()));
    expect((await receiver.handle(post(wire.body, "198.51.100.7"))).status).toBe(403);
    expect((await receiver.handle(post(wire.body, "203.0.113.9"))).status).toBe(200);
  });
});

describe("shipping: refusal messages read as sentences", () => {
  it("a body without its signature names the shipping API mid-sentence, never as a lower-case sentence start", async () => {
    const receiver = createReceiver({ provider: provider() });
    const res = await receiver.handle({
      method: "POST",
      headers: { "content-type": "application/json" },
      rawBody: utf8Bytes(JSON.stringify(shipment())),
    });
    const { error, message } = json(res.body) as { error: string; message: string };
    expect(error).toBe("missing_signature");
    expect(message).toContain("the shipping API");
    // Every sentence starts with a capital letter.
    expect(message).not.toMatch(/(^|[.?!] )[a-z]/);
  });
});
