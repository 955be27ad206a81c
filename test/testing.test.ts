import { createHmac } from "node:crypto";
import http from "node:http";
import { createReceiver, type Provider, providers, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import {
  fixtures,
  freshPayload,
  platformFor,
  platforms,
  sendDelivery,
  signDelivery,
  stableDeliveryId,
} from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "./conformance/servers/listen.js";
import { freePort } from "./support/redis.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const listen = listenPerTest();
const serve = (handler: http.RequestListener) => listen(http.createServer(handler), "/webhooks");
const serveReceiver = (receiver: ReceiverCore) => serve(createNodeHandler(receiver));

/** Every platform of the registry by its provider's `name`, as the CLI knows it. */
const presets: [string, () => Provider][] = Object.values(platforms).map((platform) => [
  platform.name,
  () => platform.create(SECRET),
]);
const fixturesOf = (name: string) => platformFor(name)?.fixtures ?? {};

/** A receiver that records the type of every event whose handlers ran. */
function recording(provider: Provider) {
  const receiver = createReceiver({ provider });
  const ran: string[] = [];
  receiver.on("*", (event) => {
    ran.push(event.type);
  });
  const deliver = async (payload: unknown, options: { event?: string; id?: string } = {}) => {
    const wire = await signDelivery(provider, payload, options);
    return receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
  };
  return { ran, deliver };
}

describe("fixtures", () => {
  it.each(presets)("%s: every event the preset declares has a fixture", (name, make) => {
    const declared = Object.keys(make().events);
    const missing = declared.filter((type) => !Object.hasOwn(fixturesOf(name), type));
    expect(missing).toEqual([]);
  });

  it.each(presets)(
    "%s: every fixture is accepted by the preset's receiver and routed as the type it is filed under",
    async (name, make) => {
      const set = fixturesOf(name);
      expect(Object.keys(set).length).toBeGreaterThan(0);
      const { ran, deliver } = recording(make());
      for (const [type, payload] of Object.entries(set)) {
        const res = await deliver(payload, { event: type });
        expect(res.status, `${type}: ${res.body}`).toBe(200);
      }
      expect(ran).toEqual(Object.keys(set));
    },
  );

  it("github has a push fixture", () => {
    expect(fixtures.github.push.ref).toBe("refs/heads/main");
    expect(fixtures.github.push.head_commit.id).toBe(fixtures.github.push.after);
  });
});

describe("freshPayload", () => {
  it.each(presets)(
    "%s: two fresh copies of a fixture are two events (both run); the same bytes twice are one delivery",
    async (name, make) => {
      const [type, fixture] = Object.entries(fixturesOf(name))[0] as [string, object];
      const { ran, deliver } = recording(make());
      const first = await deliver(freshPayload(name, fixture), { event: type });
      const second = await deliver(freshPayload(name, fixture), { event: type });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(JSON.parse(second.body)).toEqual({ received: true });
      expect(ran).toEqual([type, type]);
      // A redelivery: the same bytes and, for header-keyed platforms, the same delivery id.
      const id = await stableDeliveryId(name, JSON.stringify(fixture));
      await deliver(fixture, { event: type, id });
      const again = await deliver(fixture, { event: type, id });
      expect(JSON.parse(again.body)).toEqual({ received: true, duplicate: true });
      expect(ran).toEqual([type, type, type]);
    },
  );

  it("makes new ids and times in the platform's format and keeps resource ids", () => {
    const now = Date.UTC(2025, 0, 2, 3, 4, 5, 678);
    const stripe = freshPayload("stripe", fixtures.stripe["invoice.paid"], { now });
    expect(stripe.id).toMatch(/^evt_[0-9A-Za-z]{24}$/);
    expect(stripe.created).toBe(Math.floor(now / 1000));
    expect(stripe.request.id).toMatch(/^req_[0-9A-Za-z]{14}$/);
    expect(stripe.data.object.id).toBe("in_123");
    const generic = freshPayload("generic", fixtures.generic["user.created"], { now });
    expect(generic.id).toMatch(/^evt_[0-9a-z]{24}$/);
    expect(generic.created_at).toBe("2025-01-02T03:04:05Z");
    expect(generic.data.id).toBe("usr_789");
    const eulabel = freshPayload("eulabel", fixtures.eulabel["passport.published"], { now });
    expect(eulabel.timestamp).toBe("2025-01-02T03:04:05.678Z");
    expect(eulabel.id).toBe("ps_w9x2kf");
    // Unknown providers: the usual fields, the id's prefix kept.
    const custom = freshPayload("acme", { id: "ord_1", type: "order.paid", created: 1 }, { now });
    expect(custom).toMatchObject({ type: "order.paid", created: Math.floor(now / 1000) });
    expect(custom.id).toMatch(/^ord_[0-9a-z]{20}$/);
    // The fixture itself is untouched.
    expect(fixtures.stripe["invoice.paid"].id).toBe("evt_126");
  });

  it("shares no nested object with the fixtures: editing a fresh copy leaves them as they were", () => {
    const copy = freshPayload("stripe", fixtures.stripe["invoice.paid"]);
    copy.data.object.id = "in_changed";
    copy.request.id = "req_changed";
    expect(fixtures.stripe["invoice.paid"].data.object.id).toBe("in_123");
    expect(fixtures.stripe["invoice.paid"].request.id).not.toBe("req_changed");
  });

  it("stableDeliveryId: the same body gives the same id, in GitHub's GUID or msg_ format", async () => {
    expect(await stableDeliveryId("github", "{}")).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    expect(await stableDeliveryId("svix", "{}")).toBe(await stableDeliveryId("svix", "{}"));
    expect(await stableDeliveryId("svix", "{}")).not.toBe(await stableDeliveryId("svix", "{ }"));
  });
});

describe("signDelivery", () => {
  it("github: X-GitHub-Event from the event option, ping by itself, a GUID delivery id", async () => {
    const provider = providers.github({ secret: SECRET });
    const receiver = createReceiver({ provider });
    const types: string[] = [];
    receiver.on("*", (event) => {
      types.push(event.type);
    });
    const ping = await signDelivery(provider, fixtures.github.ping);
    const opened = await signDelivery(provider, fixtures.github["issues.opened"], { event: "issues.opened" });
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

  it("github: also the legacy SHA-1 X-Hub-Signature GitHub sends, which the receiver never verifies", async () => {
    const provider = providers.github({ secret: [SECRET, "whsec_rotated"] });
    const wire = await signDelivery(provider, fixtures.github.ping);
    const hmac = (algorithm: string, key: string) =>
      createHmac(algorithm, key).update(wire.body).digest("hex");
    expect(wire.headers["x-hub-signature"]).toBe(`sha1=${hmac("sha1", SECRET)}`);
    expect(wire.headers["x-hub-signature-256"]).toBe(`sha256=${hmac("sha256", SECRET)}`);
    const rotated = await signDelivery(provider, fixtures.github.ping, { secretIndex: 1 });
    expect(rotated.headers["x-hub-signature"]).toBe(
      `sha1=${createHmac("sha1", "whsec_rotated").update(rotated.body).digest("hex")}`,
    );
    // Verification reads SHA-256 only: a valid SHA-1 alone, or beside a wrong SHA-256, is refused.
    const receiver = createReceiver({ provider });
    const post = (headers: Record<string, string>) =>
      receiver.handle({ method: "POST", headers, rawBody: wire.body });
    const { "x-hub-signature-256": _sha256, ...sha1Only } = wire.headers;
    expect((await post(sha1Only)).status).toBe(401);
    const wrong = { ...wire.headers, "x-hub-signature-256": `sha256=${"0".repeat(64)}` };
    expect((await post(wrong)).status).toBe(401);
    expect((await post(wire.headers)).status).toBe(200);
  });

  it("eudr: the platform's headers — event, endpoint id, ISO timestamp, User-Agent — and compact JSON", async () => {
    const wire = await signDelivery(providers.eudr({ secret: SECRET }), fixtures.eudr["supplier.created"], {
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
    expect(wire.text).toBe(JSON.stringify(fixtures.eudr["supplier.created"]));
  });

  it("omits a platform header it has no value for, instead of sending it empty", async () => {
    const wire = await signDelivery(providers.generic({ secret: SECRET }), { id: "evt_1", data: {} });
    expect(wire.headers["x-webhook-id"]).toBe("wh_123456");
    expect(wire.headers).not.toHaveProperty("x-webhook-event");
  });

  it("stripe: indented JSON with a trailing newline, t=…,v1=… over it; standard webhooks: id and timestamp headers", async () => {
    const stripe = await signDelivery(
      providers.stripe({ secret: SECRET }),
      fixtures.stripe["customer.created"],
      {
        timestamp: 1533204620,
      },
    );
    expect(stripe.text).toBe(`${JSON.stringify(fixtures.stripe["customer.created"], null, 2)}\n`);
    expect(stripe.headers["stripe-signature"]).toMatch(/^t=1533204620,v1=[0-9a-f]{64}$/);
    const sw = await signDelivery(
      providers.standardWebhooks({ secret: SECRET }),
      fixtures.standardWebhooks["invoice.paid"],
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
      fixtures.eudr["supplier.created"],
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

  it("refuses, before sending, a delay a timer cannot wait (over 2^31 − 1 ms scaled), negative or NaN", async () => {
    let hits = 0;
    const url = await serve((_req, res) => {
      hits += 1;
      res.writeHead(500).end();
    });
    const provider = providers.eudr({ secret: SECRET });
    const payload = fixtures.eudr["supplier.created"];
    for (const schedule of [
      [0, 2 ** 31],
      [0, -1],
      [0, Number.NaN],
      [0, Number.POSITIVE_INFINITY],
    ]) {
      await expect(sendDelivery(url, provider, payload, { schedule })).rejects.toThrow(
        /^sendDelivery: retry schedule: delay #2 is /,
      );
    }
    expect(hits).toBe(0);
    // Scaled under the limit, the same delay is fine.
    const scaled = await sendDelivery(url, provider, payload, { schedule: [0, 2 ** 31], timeScale: 1e-8 });
    expect(scaled.attempts).toHaveLength(2);
  });

  it("gives up after the schedule and reports each failure, including timeouts and refused connections", async () => {
    const url = await serve((_req, res) => {
      setTimeout(() => res.writeHead(200).end(), 500);
    });
    const slow = await sendDelivery(
      url,
      providers.generic({ secret: SECRET }),
      fixtures.generic["user.created"],
      {
        timeScale: 0,
        timeoutMs: 50,
        maxAttempts: 2,
      },
    );
    expect(slow.delivered).toBe(false);
    expect(slow.attempts).toHaveLength(2);
    expect(slow.attempts[0]).toMatchObject({
      errorCode: "timeout",
      error: "no answer within 50 ms (the platform's timeout)",
    });
    const closed = await freePort();
    const refused = await sendDelivery(
      `http://127.0.0.1:${closed}/`,
      providers.github({ secret: SECRET }),
      fixtures.github.ping,
    );
    expect(refused).toMatchObject({ delivered: false, outcome: "failed", attempts: [{ attempt: 1 }] });
    // What happened, not `TypeError: fetch failed`.
    expect(refused.attempts[0]).toMatchObject({
      errorCode: "ECONNREFUSED",
      error: `ECONNREFUSED 127.0.0.1:${closed}: connection refused: is the receiver running and listening on that port?`,
    });
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
    const result = await sendDelivery(url, provider, fixtures.standardWebhooks["invoice.paid"], {
      timeScale: 0.001,
    });
    expect(result.delivered).toBe(true);
    expect(result.attempts.map((a) => a.status)).toEqual([500, 200]);
    expect(new Set(ids).size).toBe(1);
    const again = await sendDelivery(url, provider, fixtures.standardWebhooks["invoice.paid"], {
      id: ids[0]!.split(":")[1]!,
    });
    expect(JSON.parse(again.attempts[0]!.responseBody!)).toMatchObject({ duplicate: true });
    expect(calls).toBe(2);
  });

  it("a redirect is not followed: outcome redirected, not delivered, with the Location to point at", async () => {
    let elsewhere = 0;
    const other = await serve((_req, res) => {
      elsewhere += 1;
      res.writeHead(200).end('{"received":true}');
    });
    let hits = 0;
    const url = await serve((_req, res) => {
      hits += 1;
      res.writeHead(307, { location: other }).end();
    });
    const result = await sendDelivery(
      url,
      providers.eudr({ secret: SECRET }),
      fixtures.eudr["supplier.created"],
      {
        timeScale: 0,
      },
    );
    expect(result).toMatchObject({ delivered: false, outcome: "redirected" });
    expect(result.attempts).toHaveLength(1); // the schedule is not replayed: the same URL redirects again
    expect(result.attempts[0]).toMatchObject({ status: 307, location: other });
    expect(hits).toBe(1);
    expect(elsewhere).toBe(0);
  });

  it("only the webhook-kit-outcome header names queued or duplicate; a foreign body saying so is delivered", async () => {
    const url = await serve((req, res) => {
      const named = req.url?.includes("named");
      const body = req.url?.includes("queued")
        ? '{"received":true,"status":"queued"}'
        : '{"received":true,"duplicate":true}';
      const outcome = req.url?.includes("queued") ? "queued" : "duplicate";
      res
        .writeHead(req.url?.includes("queued") ? 202 : 200, named ? { "webhook-kit-outcome": outcome } : {})
        .end(body);
    });
    const send = (path: string) =>
      sendDelivery(
        new URL(path, url).href,
        providers.generic({ secret: SECRET }),
        fixtures.generic["user.created"],
      );
    expect((await send("/queued")).outcome).toBe("delivered");
    expect((await send("/duplicate")).outcome).toBe("delivered");
    expect((await send("/queued/named")).outcome).toBe("queued");
    expect((await send("/duplicate/named")).outcome).toBe("duplicate");
  });

  it("replays the provider's own schedule by default, else the one the platform entry assumes", async () => {
    let calls = 0;
    const url = await serve((_req, res) => {
      calls++;
      res.writeHead(500).end();
    });
    for (const [name, expected] of [
      ["eudr", [0, 1_000, 5_000, 30_000]],
      ["shipping", [0, 60_000, 120_000, 240_000, 480_000, 960_000]],
    ] as const) {
      const platform = platformFor(name)!;
      const [, fixture] = Object.entries(platform.fixtures)[0]!;
      const result = await sendDelivery(url, platform.create(SECRET), fixture, { timeScale: 0.0001 });
      expect(
        result.attempts.map((a) => a.delayMs),
        name,
      ).toEqual(expected.map((ms) => Math.round(ms * 0.0001)));
    }
    expect(calls).toBe(10);
  });
});
