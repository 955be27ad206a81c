import { createReceiver, defineProvider, hmacSignature, sign, type WebhookEvent } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";

// From verified bytes to an event: what a 400 says (message and field paths) for each way a signed body can
// be unusable, async schemas, and the sender's attempt number.

const SECRET = "parse-delivery-secret";

function platform(overrides: Partial<Parameters<typeof defineProvider>[0]> = {}) {
  return defineProvider({
    name: "acme",
    signature: hmacSignature({ header: "x-sig", secret: SECRET }),
    events: { "order.paid": z.looseObject({ total: z.number() }) },
    eventType: ({ body }) => body.type as string | undefined,
    idempotencyKey: ({ body }) => body.id as string | undefined,
    ...overrides,
  });
}

async function deliver(provider: ReturnType<typeof platform>, body: string) {
  const receiver = createReceiver({ provider });
  const events: WebhookEvent[] = [];
  receiver.on("*", (event) => {
    events.push(event);
  });
  const signed = await sign(provider, body);
  const res = await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
  return { status: res.status, body: JSON.parse(res.body) as Record<string, unknown>, events };
}

describe("400 invalid_payload says which rule the signed body broke", () => {
  it("not JSON (or not UTF-8)", async () => {
    const res = await deliver(platform(), '{"type":');
    expect(res.body).toEqual({
      error: "invalid_payload",
      message: "The body is not valid UTF-8 JSON.",
      issues: [{ path: "", message: "invalid JSON" }],
    });
  });

  it.each(["[1,2]", "null", '"text"', "42", "true"])("JSON that is not an object: %s", async (text) => {
    const res = await deliver(platform(), text);
    expect(res.body).toEqual({
      error: "invalid_payload",
      message: "The body must be a JSON object.",
      issues: [{ path: "", message: "expected an object" }],
    });
  });

  it("no event type", async () => {
    const res = await deliver(platform(), '{"id":"o_1","total":3}');
    expect(res.body).toEqual({
      error: "invalid_payload",
      message: "The delivery names no event type that acme would send.",
      issues: [{ path: "type", message: "missing event type" }],
    });
  });

  it("no delivery id", async () => {
    for (const id of [undefined, ""]) {
      const res = await deliver(platform({ idempotencyKey: () => id }), '{"type":"order.paid","total":3}');
      expect(res.body).toEqual({
        error: "invalid_payload",
        message: "The delivery carries no id that identifies this acme event.",
        issues: [{ path: "id", message: "missing delivery id" }],
      });
    }
  });

  it("a schema violation names the type and the field path", async () => {
    const res = await deliver(platform(), '{"type":"order.paid","id":"o_1","total":"3"}');
    expect(res.body).toMatchObject({
      error: "invalid_payload",
      message: "The order.paid payload does not match its schema.",
      issues: [{ path: "total", message: expect.any(String) }],
    });
  });
});

describe("schemas and attempts", () => {
  it("a schema with an async refinement is checked too", async () => {
    const provider = platform({
      events: {
        "order.paid": z
          .looseObject({ total: z.number() })
          .refine(async (order) => order.total > 0, "total must be positive"),
      },
    });
    expect((await deliver(provider, '{"type":"order.paid","id":"o_1","total":3}')).status).toBe(200);
    const refused = await deliver(provider, '{"type":"order.paid","id":"o_2","total":-1}');
    expect(refused.status).toBe(400);
    expect(refused.body.issues).toEqual([{ path: "", message: "total must be positive" }]);
  });

  it("the event carries the sender's attempt number when the provider reads one, and none otherwise", async () => {
    const counted = await deliver(
      platform({ attempt: ({ headers }) => Number(headers["x-attempt"] ?? 3) }),
      '{"type":"order.paid","id":"o_1","total":3}',
    );
    expect(counted.events[0]?.attempt).toBe(3);
    const plain = await deliver(platform(), '{"type":"order.paid","id":"o_2","total":3}');
    expect(plain.events).toHaveLength(1);
    expect("attempt" in plain.events[0]!).toBe(false);
  });
});
