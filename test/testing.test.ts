import http from "node:http";
import { createReceiver, type Provider, providers, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { fixtures, platforms, sendDelivery, signDelivery } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "./conformance/servers/listen.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const listen = listenPerTest();
const serve = (handler: http.RequestListener) => listen(http.createServer(handler), "/webhooks");
const serveReceiver = (receiver: ReceiverCore) => serve(createNodeHandler(receiver));

/** Every preset with every fixture: what signDelivery produces, the preset's receiver accepts. */
const cases: [string, () => Provider, Record<string, unknown>, string, { event?: string }?][] = [
  ["eulabel", () => providers.eulabel({ secret: SECRET }), fixtures.eulabel, "event"],
  ["eulabelInbound", () => providers.eulabelInbound({ secret: SECRET }), fixtures.eulabelInbound, "event"],
  ["eudr", () => providers.eudr({ secret: SECRET }), fixtures.eudr, "event"],
  ["generic", () => providers.generic({ secret: SECRET }), fixtures.generic, "type"],
  ["shipping", () => providers.shipping({ secret: SECRET }), fixtures.shipping, "event"],
  [
    "standardWebhooks",
    () => providers.standardWebhooks({ secret: SECRET }),
    fixtures.standardWebhooks,
    "type",
  ],
  [
    "svix",
    () => providers.standardWebhooks({ secret: SECRET, headers: "svix" }),
    fixtures.standardWebhooks,
    "type",
  ],
  ["stripe", () => providers.stripe({ secret: SECRET }), fixtures.stripe, "type"],
];

describe("signDelivery", () => {
  it.each(cases)(
    "%s: every fixture is accepted by the preset's receiver, typed as the platform names it",
    async (_, make, set, field) => {
      const receiver = createReceiver({ provider: make() });
      const types: string[] = [];
      receiver.on("*", (event) => {
        types.push(event.type);
      });
      for (const payload of Object.values(set)) {
        const wire = await signDelivery(make(), payload);
        const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
        expect(res.status, res.body).toBe(200);
      }
      expect(types).toEqual(Object.values(set).map((p) => (p as Record<string, unknown>)[field]));
    },
  );

  it("github: X-GitHub-Event from the event option, ping by itself, a GUID delivery id", async () => {
    const provider = providers.github({ secret: SECRET });
    const receiver = createReceiver({ provider });
    const types: string[] = [];
    receiver.on("*", (event) => {
      types.push(event.type);
    });
    const ping = await signDelivery(provider, fixtures.github.ping);
    const opened = await signDelivery(provider, fixtures.github.issuesOpened, { event: "issues.opened" });
    expect(ping.headers["x-github-event"]).toBe("ping");
    expect(opened.headers["x-github-event"]).toBe("issues");
    expect(opened.headers["x-github-delivery"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(opened.headers["x-hub-signature-256"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    for (const wire of [ping, opened]) {
      expect(
        (await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body })).status,
      ).toBe(200);
    }
    expect(types).toEqual(["ping", "issues.opened"]);
    await expect(signDelivery(provider, { action: "opened" })).rejects.toThrow(/options\.event/);
  });

  it("eudr: the platform's headers — event, endpoint id, ISO timestamp, User-Agent — and compact JSON", async () => {
    const wire = await signDelivery(providers.eudr({ secret: SECRET }), fixtures.eudr.supplierCreated, {
      webhookId: "wh_x",
    });
    expect(wire.headers).toMatchObject({
      "content-type": "application/json",
      "user-agent": "EUDR-Platform-Webhook/1.0",
      "x-webhook-event": "supplier.created",
      "x-webhook-id": "wh_x",
      "x-webhook-timestamp": "2024-01-15T10:30:00.000Z",
    });
    expect(wire.headers["x-webhook-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(wire.text).toBe(JSON.stringify(fixtures.eudr.supplierCreated));
  });

  it("omits a platform header it has no value for, instead of sending it empty", async () => {
    const wire = await signDelivery(providers.generic({ secret: SECRET }), { id: "evt_1", data: {} });
    expect(wire.headers["x-webhook-id"]).toBe("wh_123456");
    expect(wire.headers).not.toHaveProperty("x-webhook-event");
  });

  it("stripe: indented JSON with a trailing newline, t=…,v1=… over it; standard webhooks: id and timestamp headers", async () => {
    const stripe = await signDelivery(providers.stripe({ secret: SECRET }), fixtures.stripe.customerCreated, {
      timestamp: 1533204620,
    });
    expect(stripe.text).toBe(`${JSON.stringify(fixtures.stripe.customerCreated, null, 2)}\n`);
    expect(stripe.headers["stripe-signature"]).toMatch(/^t=1533204620,v1=[0-9a-f]{64}$/);
    const sw = await signDelivery(
      providers.standardWebhooks({ secret: SECRET }),
      fixtures.standardWebhooks.invoicePaid,
      {
        id: "msg_1",
        timestamp: 1700000000,
      },
    );
    expect(sw.headers).toMatchObject({ "webhook-id": "msg_1", "webhook-timestamp": "1700000000" });
    expect(sw.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
  });

  it("shipping: the signature goes into the body, not a header; string payloads are sent as they are", async () => {
    const raw = '{ "event": "shipment.created", "data": { "id": "ship_1" }, "timestamp": "t" }';
    const wire = await signDelivery(providers.shipping({ secret: SECRET }), raw);
    expect(wire.text).toMatch(
      /^\{ "event": "shipment\.created", "data": \{ "id": "ship_1" \}, "timestamp": "t","signature":"[0-9a-f]{64}" \}$/,
    );
    expect(Object.keys(wire.headers).some((h) => h.includes("signature"))).toBe(false);
  });
});

describe("sendDelivery", () => {
  it("replays EUDR's 1 s / 5 s / 30 s schedule (scaled) until a 2xx, with the same bytes every time", async () => {
    const bodies: string[] = [];
    const times: number[] = [];
    const url = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        bodies.push(Buffer.concat(chunks).toString());
        times.push(Date.now());
        res.writeHead(bodies.length < 4 ? 503 : 200).end("ok");
      });
    });
    const result = await sendDelivery(
      url,
      providers.eudr({ secret: SECRET }),
      fixtures.eudr.supplierCreated,
      {
        timeScale: 0.01,
      },
    );
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => [a.attempt, a.delayMs, a.status])).toEqual([
      [1, 0, 503],
      [2, 10, 503],
      [3, 50, 503],
      [4, 300, 200],
    ]);
    expect(new Set(bodies).size).toBe(1);
    expect(times[3]! - times[2]!).toBeGreaterThanOrEqual(290);
  });

  it("gives up after the schedule and reports each failure, including timeouts and refused connections", async () => {
    const url = await serve((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 500);
    });
    const slow = await sendDelivery(
      url,
      providers.generic({ secret: SECRET }),
      fixtures.generic.userCreated,
      {
        timeScale: 0,
        timeoutMs: 50,
        maxAttempts: 2,
      },
    );
    expect(slow.delivered).toBe(false);
    expect(slow.attempts).toHaveLength(2);
    expect(slow.attempts[0]?.error).toMatch(/Timeout|abort/i);
    const refused = await sendDelivery(
      "http://127.0.0.1:9/",
      providers.github({ secret: SECRET }),
      fixtures.github.ping,
    );
    expect(refused).toMatchObject({ delivered: false, attempts: [{ attempt: 1 }] });
    expect(refused.attempts[0]?.error).toBeTruthy();
  });

  it("against a real receiver: a failed handler is retried, processed once, and the id is stable across re-signed attempts", async () => {
    const provider = providers.standardWebhooks({ secret: SECRET });
    const receiver = createReceiver({ provider });
    const ids: string[] = [];
    let calls = 0;
    receiver.on("*", (event) => {
      calls += 1;
      ids.push(event.id);
      if (calls === 1) throw new Error("transient");
    });
    const url = await serveReceiver(receiver);
    const result = await sendDelivery(url, provider, fixtures.standardWebhooks.invoicePaid, {
      timeScale: 0.001,
    });
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(new Set(ids).size).toBe(1);
    const again = await sendDelivery(url, provider, fixtures.standardWebhooks.invoicePaid, {
      id: ids[0]!.split(":")[1]!,
    });
    expect(JSON.parse(again.attempts[0]!.responseBody!)).toMatchObject({ duplicate: true });
    expect(calls).toBe(2);
  });

  it("documents every preset's schedule, each starting immediately", () => {
    for (const [name, profile] of Object.entries(platforms)) {
      expect(profile.retrySchedule[0], name).toBe(0);
    }
    expect(platforms.eulabel?.retrySchedule).toEqual([0, 30_000, 120_000, 900_000, 3_600_000, 14_400_000]);
    expect(platforms.generic?.retrySchedule).toEqual([0, 60_000, 300_000, 1_800_000, 3_600_000, 21_600_000]);
  });
});
