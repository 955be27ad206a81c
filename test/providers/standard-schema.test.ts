import {
  createReceiver,
  defineProvider,
  hmacSignature,
  providers,
  type ReceiverCore,
  stripeEvent,
  stripeEvents,
} from "@webhook-kit/core";
import { type } from "arktype";
import type Stripe from "stripe";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { z as z4 } from "zod";
import { z as z3 } from "zod3";
import { type PayloadValidation, validatePayload } from "../../packages/core/src/schema.js";
import { json, recordAll, request, SECRET, signed } from "./support.js";

/** The same order schema in three libraries: `total` arrives as a string and leaves as a number. */
const orderZod3 = z3
  .object({ total: z3.string().transform(Number), items: z3.array(z3.object({ sku: z3.string() })) })
  .passthrough();
const orderValibot = v.looseObject({
  total: v.pipe(v.string(), v.transform(Number)),
  items: v.array(v.object({ sku: v.string() })),
});
const orderArktype = type({ total: "string.numeric.parse", items: type({ sku: "string" }).array() });

const shop = defineProvider({
  name: "shop",
  signature: hmacSignature({ header: "x-shop-signature", prefix: "sha256=", secret: SECRET }),
  events: {
    "order.zod3": orderZod3,
    "order.valibot": orderValibot,
    "order.arktype": orderArktype,
    "order.async": z3.object({ ok: z3.boolean() }).refine(async (order) => order.ok, "order not ok"),
    "order.status": z3.object({ status: z3.enum(["paid", "refunded"]) }).passthrough(),
  },
  eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
  idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
});

const send = async (receiver: ReceiverCore, body: Record<string, unknown>) => {
  const res = await receiver.handle(request(await signed(shop, body)));
  return { status: res.status, body: json(res.body) };
};

describe("Standard Schema validators in defineProvider", () => {
  it("routes a zod 3, a valibot and an arktype schema, handing handlers each validator's output", async () => {
    const receiver = createReceiver({ provider: shop });
    const totals: unknown[] = [];
    receiver.on(["order.zod3", "order.valibot", "order.arktype"], (event) => {
      totals.push(event.payload.total);
    });
    const seen = recordAll(receiver);
    for (const [i, type] of ["order.zod3", "order.valibot", "order.arktype"].entries()) {
      const order = { id: `o-${i}`, type, total: "12.5", items: [{ sku: "A-1" }], note: "kept" };
      expect(await send(receiver, order)).toEqual({ status: 200, body: { received: true } });
    }
    expect(totals).toEqual([12.5, 12.5, 12.5]);
    // Unknown fields survive the loose / passthrough objects.
    expect(seen.mock.calls.map(([e]) => (e.payload as { note?: string }).note)).toEqual([
      "kept",
      "kept",
      "kept",
    ]);
  });

  it("answers 400 invalid_payload with each library's issues, paths joined with '.'", async () => {
    const receiver = createReceiver({ provider: shop });
    const seen = recordAll(receiver);
    for (const [i, type] of ["order.zod3", "order.valibot", "order.arktype"].entries()) {
      const res = await send(receiver, { id: `bad-${i}`, type, total: "1", items: [{ sku: 7 }] });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe("invalid_payload");
      expect((res.body.issues as { path: string }[]).map((issue) => issue.path)).toEqual(["items.0.sku"]);
    }
    expect(seen).not.toHaveBeenCalled();
  });

  it("awaits a validator that answers with a Promise (zod 3 async refinement)", async () => {
    const receiver = createReceiver({ provider: shop });
    const seen = recordAll(receiver);
    expect(await send(receiver, { id: "a-1", type: "order.async", ok: true })).toEqual({
      status: 200,
      body: { received: true },
    });
    expect(seen.mock.calls.map(([e]) => e.payload)).toEqual([{ ok: true }]);
    const refused = await send(receiver, { id: "a-2", type: "order.async", ok: false });
    expect([refused.status, refused.body.issues]).toEqual([400, [{ path: "", message: "order not ok" }]]);
  });

  it("never echoes the payload: a message that quotes the offending value is withheld", async () => {
    const receiver = createReceiver({ provider: shop });
    const secretish = "sk_live_do_not_echo_me_0123456789";
    const bodies = [
      { id: "q-1", type: "order.valibot", total: "1", items: [{ sku: 4242 }] },
      { id: "q-2", type: "order.status", status: secretish },
      { id: "q-3", type: "order.arktype", total: secretish, items: [] },
    ];
    for (const body of bodies) {
      const res = await receiver.handle(request(await signed(shop, body)));
      expect(res.status).toBe(400);
      expect(res.body).not.toContain("4242");
      expect(res.body).not.toContain(secretish.slice(0, 12));
      expect(json(res.body).issues).toEqual([
        { path: expect.any(String), message: expect.stringContaining("withheld") },
      ]);
    }
  });
});

describe("validatePayload", () => {
  it("withholds a strict object's message that quotes unknown key names from the payload (zod 3 and 4)", () => {
    const secretKey = "tok_live_do_not_echo";
    const payload = { ok: true, [secretKey]: 1, nested: { ok: true, [secretKey]: 2 } };
    const strict3 = z3
      .object({ ok: z3.boolean(), nested: z3.object({ ok: z3.boolean() }).strict() })
      .strict();
    const strict4 = z4.strictObject({ ok: z4.boolean(), nested: z4.strictObject({ ok: z4.boolean() }) });
    for (const schema of [strict3, strict4]) {
      const result = validatePayload(schema, payload);
      expect(JSON.stringify(result)).not.toContain(secretKey);
      expect(result).toEqual({
        ok: false,
        issues: expect.arrayContaining([
          { path: "", message: expect.stringContaining("withheld") },
          { path: "nested", message: expect.stringContaining("withheld") },
        ]),
      });
    }
    // A message that names no key of the payload is kept as the validator wrote it.
    expect(validatePayload(z3.object({ ok: z3.boolean() }).strict(), { ok: 1 })).toEqual({
      ok: false,
      issues: [{ path: "ok", message: "Expected boolean, received number" }],
    });
  });

  it("never repeats a key name the sender chose: record keys and refused keys become *, their messages withheld (zod 3, zod 4, valibot)", () => {
    const markup = "ZZ<img src=x onerror=alert(1)>";
    const cases: [
      string,
      Parameters<typeof validatePayload>[0],
      unknown,
      { path: string; message: string | RegExp }[],
    ][] = [
      [
        "zod 3 record",
        z3.object({ m: z3.record(z3.string(), z3.number()) }),
        { m: { [markup]: "x" } },
        [{ path: "m.*", message: "Expected number, received string" }],
      ],
      [
        "zod 4 record",
        z4.object({ m: z4.record(z4.string(), z4.number()) }),
        { m: { [markup]: "x" } },
        [{ path: "m.*", message: "Invalid input: expected number, received string" }],
      ],
      [
        "valibot record",
        v.object({ m: v.record(v.string(), v.number()) }),
        { m: { [markup]: "x" } },
        [{ path: "m.*", message: /value, so it is withheld/ }],
      ],
      [
        "zod 3 record with enum keys",
        z3.object({ m: z3.record(z3.enum(["a", "b"]), z3.number()) }),
        { m: { ZZKEY: 1 } },
        [{ path: "m.*", message: /withheld/ }],
      ],
      [
        "valibot strictObject",
        v.strictObject({ a: v.number() }),
        { a: 1, ZZKEY: 1 },
        [{ path: "*", message: /withheld/ }],
      ],
      [
        "valibot record with picklist keys",
        v.record(v.picklist(["a"]), v.number()),
        { ZZKEY: 1 },
        [{ path: "*", message: /withheld/ }],
      ],
    ];
    for (const [name, schema, payload, issues] of cases) {
      const result = validatePayload(schema, payload) as PayloadValidation;
      expect(JSON.stringify(result), name).not.toMatch(/ZZ/);
      expect(result, name).toEqual({
        ok: false,
        issues: issues.map(({ path, message }) => ({
          path,
          message: typeof message === "string" ? message : expect.stringMatching(message),
        })),
      });
    }
  });

  it("keeps what the schema declared: a missing field (even quoted), an array index, a field of the payload", () => {
    expect(validatePayload(v.object({ email: v.string() }), {})).toEqual({
      ok: false,
      issues: [{ path: "email", message: 'Invalid key: Expected "email" but received undefined' }],
    });
    expect(validatePayload(z4.object({ "weird key": z4.string() }), {})).toMatchObject({
      issues: [{ path: "weird key" }],
    });
    expect(
      validatePayload(z4.object({ items: z4.array(z4.object({ sku: z4.string() })) }), {
        items: [{ sku: "a" }, { sku: 1 }],
      }),
    ).toMatchObject({ issues: [{ path: "items.1.sku" }] });
    // An object's numeric key is the sender's: only an array's index is shown.
    expect(validatePayload(z3.record(z3.string(), z3.number()), { "4111111111111111": "x" })).toMatchObject({
      issues: [{ path: "*" }],
    });
  });

  it("answers synchronously when the validator does (no Promise on the hot path)", () => {
    const order = { total: "3", items: [] };
    for (const schema of [orderZod3, orderValibot, orderArktype]) {
      const result = validatePayload(schema, order);
      expect(result).not.toBeInstanceOf(Promise);
      expect(result).toEqual({ ok: true, value: { total: 3, items: [] } });
    }
  });

  it("turns a thenable answer into a native Promise and reads { key } path segments", async () => {
    const thenable = {
      "~standard": {
        version: 1 as const,
        vendor: "test",
        validate: () => ({
          // biome-ignore lint/suspicious/noThenProperty: the spec allows any PromiseLike; this is one.
          then: (resolve: (r: unknown) => void) =>
            resolve({ issues: [{ message: "nope", path: [{ key: "a" }, 0, { key: "b" }] }] }),
        }),
      },
    };
    const result = validatePayload(thenable as never, {});
    expect(result).toBeInstanceOf(Promise);
    expect(await result).toEqual({ ok: false, issues: [{ path: "a.0.b", message: "nope" }] });
  });
});

describe("type-only events (GitHub's published types, Stripe.Event) route without validation", () => {
  it("github: push and issues.opened are routed with every field kept; ping is still checked", async () => {
    const github = providers.github({ secret: SECRET });
    const receiver = createReceiver({ provider: github });
    const seen = recordAll(receiver);
    const headers = (event: string, id: string) => ({ "x-github-event": event, "x-github-delivery": id });
    const push = { ref: "refs/heads/main", head_commit: { id: "abc" }, unknown_field: [1] };
    const opened = { action: "opened", issue: { number: 7 }, extra: true };
    for (const [event, body, id] of [
      ["push", push, "d-1"],
      ["issues", opened, "d-2"],
    ] as const) {
      const res = await receiver.handle(request(await signed(github, body, { headers: headers(event, id) })));
      expect(res.status).toBe(200);
    }
    expect(seen.mock.calls.map(([e]) => [e.type, e.payload])).toEqual([
      ["push", push],
      ["issues.opened", opened],
    ]);
    const ping = await receiver.handle(
      request(await signed(github, { hook_id: 1 }, { headers: headers("ping", "d-3") })),
    );
    expect([ping.status, json(ping.body).error]).toEqual([400, "invalid_payload"]);
  });

  it("stripe: stripeEvents<Stripe.Event>() adds nothing at run time; stripeEvent checks data.object with any validator", async () => {
    expect(stripeEvents<Stripe.Event>()).toEqual({});
    const NOW = 1_700_000_000;
    const stripe = providers.stripe({
      secret: "whsec_x",
      events: {
        ...stripeEvents<Stripe.Event>(),
        "customer.created": stripeEvent(v.looseObject({ id: v.string(), email: v.nullable(v.string()) })),
      },
    });
    const receiver = createReceiver({ provider: stripe, now: () => NOW * 1000 });
    const seen = recordAll(receiver);
    const event = (id: string, type: string, object: Record<string, unknown>) => ({
      id,
      object: "event",
      type,
      created: NOW,
      livemode: false,
      data: { object },
    });
    const deliver = async (body: unknown) =>
      receiver.handle(request(await signed(stripe, body, { timestamp: NOW })));
    expect((await deliver(event("evt_1", "customer.created", { id: "cus_1", email: null }))).status).toBe(
      200,
    );
    // No validator for invoice.paid: routed as sent, typed from Stripe.Event.
    expect((await deliver(event("evt_2", "invoice.paid", { anything: 1 }))).status).toBe(200);
    const bad = await deliver(event("evt_3", "customer.created", { id: "cus_2", email: 5 }));
    expect(json(bad.body).issues).toEqual([{ path: "data.object.email", message: expect.any(String) }]);
    const noEnvelope = await deliver({ id: "evt_4", type: "customer.created", data: { object: {} } });
    expect((json(noEnvelope.body).issues as { path: string }[]).map((i) => i.path).sort()).toEqual([
      "created",
      "livemode",
      "object",
    ]);
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual(["stripe:evt_1", "stripe:evt_2"]);
  });
});
