import {
  type CryptoProvider,
  createReceiver,
  type IdempotencyStore,
  MemoryStore,
  providers,
  sign,
  utf8Bytes,
  WebhookError,
  webCrypto,
} from "@webhook-kit/core";
import { describe, expect, it, vi } from "vitest";
import { passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";

const provider = () => providers.eulabel({ secret: SECRET });

async function request(payload: unknown, extra: { secret?: string; headers?: Record<string, string> } = {}) {
  const { body, headers } = await signedDelivery(payload, extra.secret);
  return {
    method: "POST",
    headers: { ...headers, ...extra.headers },
    rawBody: body,
    remoteAddress: "127.0.0.1",
  };
}

describe("createReceiver: configuration errors are clear and early", () => {
  it("rejects a missing provider, an empty secret, a bad CIDR and a bad limit", () => {
    expect(() => createReceiver({} as never)).toThrow(/provider/);
    expect(() => providers.eulabel({ secret: "" })).toThrow(/secret #1 is empty/);
    expect(() => providers.eulabel({ secret: undefined as unknown as string })).toThrow(
      /environment variable/,
    );
    expect(() => createReceiver({ provider: provider(), allowedIps: ["300.1.1.1/8"] })).toThrow(
      /not an IPv4 or IPv6/,
    );
    expect(() => createReceiver({ provider: provider(), maxBodyBytes: -1 })).toThrow(WebhookError);
    expect(() => createReceiver({ provider: provider(), ack: "later" as never })).toThrow(/ack must be/);
  });

  it("refuses a blank secret (a variable set to spaces would be a key anyone can guess), listed or not", () => {
    for (const secret of [" ", "\t\n", "  "]) {
      expect(() => providers.github({ secret })).toThrow(/secret #1 is only whitespace/);
      expect(() => providers.stripe({ secret })).toThrow(/secret #1 is only whitespace/);
      expect(() => providers.standardWebhooks({ secret })).toThrow(/secret #1 is only whitespace/);
    }
    expect(() => providers.eulabel({ secret: ["whsec_ok", " "] })).toThrow(/secret #2 is only whitespace/);
  });

  it("keeps its own copy of a secret given as bytes: wiping the app's buffer changes nothing", async () => {
    const secretBytes = new TextEncoder().encode("bytes_secret_0123");
    const receiver = createReceiver({ provider: providers.eulabel({ secret: secretBytes }), logger: false });
    receiver.on("passport.published", () => {});
    secretBytes.fill(0);
    const genuine = await signedDelivery(passportEvent(), "bytes_secret_0123");
    const valid = await receiver.handle({ method: "POST", headers: genuine.headers, rawBody: genuine.body });
    expect(valid.status).toBe(200);
    // Signed with the wiped bytes: a key that must not verify.
    const body = utf8Bytes(JSON.stringify(passportEvent()));
    const { headers } = await sign(providers.eulabel({ secret: new Uint8Array(17) }), body);
    const forged = await receiver.handle({ method: "POST", headers, rawBody: body });
    expect(forged.status).toBe(401);
  });

  it("derives the ack deadline from the sender's 30 s timeout with a margin", () => {
    expect(createReceiver({ provider: provider() }).ackDeadlineMs).toBe(24_000);
    expect(createReceiver({ provider: provider(), ackDeadlineMs: 5_000 }).ackDeadlineMs).toBe(5_000);
  });
});

describe("receiver.handle()", () => {
  it("hands handlers the typed event with id, type, provider, receivedAt and headers", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => 1_700_000_000_000 });
    const seen = vi.fn();
    receiver.on("passport.published", (event) => seen(event));
    const res = await receiver.handle(
      await request(passportEvent("passport.published", { extraField: "kept" })),
    );
    expect(res.status).toBe(200);
    const event = seen.mock.calls[0]?.[0];
    expect(event).toMatchObject({
      type: "passport.published",
      provider: "eulabel",
      receivedAt: 1_700_000_000_000,
      payload: { id: "ps_w9x2kf", extraField: "kept", compliance: { completeness: 100 } },
    });
    expect(event.id).toMatch(/^eulabel:passport\.published:[0-9a-f]{64}$/);
    expect(event.headers["x-eulabel-signature"]).toMatch(/^sha256=/);
  });

  it("routes to handlers added after deliveries of that type were already routed", async () => {
    const receiver = createReceiver({ provider: provider() });
    const runs: string[] = [];
    receiver.on("passport.published", () => {
      runs.push("first");
    });
    await receiver.handle(await request(passportEvent()));
    receiver.on("*", () => {
      runs.push("star");
    });
    receiver.on("passport.published", () => {
      runs.push("second");
    });
    await receiver.handle(await request(passportEvent()));
    expect(runs).toEqual(["first", "first", "second", "star"]);
  });

  it("uses the request's receivedAt over the clock", async () => {
    const receiver = createReceiver({ provider: provider(), now: () => 1 });
    const seen = vi.fn();
    receiver.on("*", (e) => seen(e.receivedAt));
    await receiver.handle({ ...(await request(passportEvent())), receivedAt: 42 });
    expect(seen).toHaveBeenCalledWith(42);
  });

  it("runs several handlers concurrently and gathers their errors into one handler_failed", async () => {
    const errors: WebhookError[] = [];
    const logged: unknown[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (obj: object) => logged.push(obj) };
    const receiver = createReceiver({ provider: provider(), logger, onError: (e) => errors.push(e) });
    const order: string[] = [];
    receiver.on("passport.published", async () => {
      order.push("a-start");
      await new Promise((r) => setTimeout(r, 20));
      order.push("a-end");
      throw new Error("a failed");
    });
    receiver.on(["passport.published", "passport.updated"], async () => {
      order.push("b-start");
      throw new Error("b failed");
    });
    const res = await receiver.handle(await request(passportEvent()));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({
      error: "handler_failed",
      message: expect.stringContaining("2 of 2"),
    });
    expect(order.slice(0, 2)).toEqual(["a-start", "b-start"]);
    expect(logged.filter((l) => (l as { err?: unknown }).err instanceof Error)).toHaveLength(2);
    expect(errors).toEqual([]); // in-band failure: the response already said so
  });

  it("reports a failure after a 202 to onError and releases the claim", async () => {
    const errors: WebhookError[] = [];
    let fail = true;
    const receiver = createReceiver({
      provider: provider(),
      ackDeadlineMs: 10,
      onError: (e) => errors.push(e),
    });
    receiver.on("*", async () => {
      await new Promise((r) => setTimeout(r, 50));
      if (fail) throw new Error("late failure");
    });
    const req = await request(passportEvent());
    expect((await receiver.handle(req)).status).toBe(202);
    await receiver.idle();
    expect(errors.map((e) => e.code)).toEqual(["handler_failed"]);
    expect(errors[0]?.cause).toBeInstanceOf(AggregateError);
    fail = false;
    expect((await receiver.handle(req)).status).toBe(202);
    await receiver.idle();
    expect(JSON.parse((await receiver.handle(req)).body)).toEqual({ received: true, duplicate: true });
  });

  it("503 store_unavailable when the store hangs past storeTimeoutMs", async () => {
    // A store that talks to a server (no `inProcess` flag, unlike MemoryStore, which cannot hang).
    const inner = new MemoryStore();
    const hanging: IdempotencyStore = {
      claim: () => new Promise(() => {}),
      complete: (k, t, o) => inner.complete(k, t, o),
      release: (k, t) => inner.release(k, t),
      renew: (k, t, o) => inner.renew(k, t, o),
    };
    const receiver = createReceiver({ provider: provider(), store: hanging, storeTimeoutMs: 50 });
    receiver.on("*", () => {});
    const started = Date.now();
    const res = await receiver.handle(await request(passportEvent()));
    expect(res.status).toBe(503);
    expect(res.headers["retry-after"]).toBe("5");
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("passes one deadline, storeTimeoutMs ahead, with every store call, also to a MemoryStore whose methods were replaced", async () => {
    const inner = new MemoryStore();
    const seen: (number | undefined)[] = [];
    const saw = <T>(deadline: number | undefined, answer: Promise<T>) => {
      seen.push(deadline);
      return answer;
    };
    const remote: IdempotencyStore = {
      claim: (k, o) => saw(o.deadline, inner.claim(k, o)),
      complete: (k, t, o) => saw(o.deadline, inner.complete(k, t, o)),
      release: (k, t, o) => saw(o?.deadline, inner.release(k, t)),
      renew: (k, t, o) => saw(o.deadline, inner.renew(k, t, o)),
    };
    const receiver = createReceiver({ provider: provider(), store: remote, storeTimeoutMs: 700 });
    receiver.on("*", () => {});
    const before = Date.now();
    expect((await receiver.handle(await request(passportEvent()))).status).toBe(200);
    expect(seen).toHaveLength(2); // claim, complete
    for (const deadline of seen) {
      expect(deadline).toBeGreaterThanOrEqual(before + 700);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 700);
    }
    // A replaced method may wait on anything: the store is no longer in-process and is timed like any other.
    const local = new MemoryStore();
    expect(local.inProcess).toBe(true);
    const claim = vi.spyOn(local, "claim");
    expect(local.inProcess).toBe(false);
    const plain = createReceiver({ provider: provider(), store: local });
    plain.on("*", () => {});
    await plain.handle(await request(passportEvent()));
    expect(claim.mock.calls[0]?.[1].deadline).toBeGreaterThan(Date.now());
  });

  it("sets no timer of its own around a store that honours deadlines: the store's answer decides", async () => {
    const inner = new MemoryStore();
    // Declares honoursDeadline, then answers late: the receiver waits for it rather than racing it.
    const late: IdempotencyStore = {
      honoursDeadline: true,
      claim: (k, o) => new Promise((resolve) => setTimeout(() => resolve(inner.claim(k, o)), 150)),
      complete: (k, t, o) => inner.complete(k, t, o),
      release: (k, t) => inner.release(k, t),
      renew: (k, t, o) => inner.renew(k, t, o),
    };
    const receiver = createReceiver({ provider: provider(), store: late, storeTimeoutMs: 50 });
    receiver.on("*", () => {});
    expect((await receiver.handle(await request(passportEvent()))).status).toBe(200);
  });

  it("answers 200 when handlers succeed even if recording completion fails, and tells onError", async () => {
    const store = new MemoryStore();
    store.complete = () => Promise.reject(new Error("write failed"));
    const errors: WebhookError[] = [];
    const receiver = createReceiver({ provider: provider(), store, onError: (e) => errors.push(e) });
    receiver.on("*", () => {});
    expect((await receiver.handle(await request(passportEvent()))).status).toBe(200);
    expect(errors.map((e) => e.code)).toEqual(["store_unavailable"]);
  });

  it("renews the lease while handlers run, so a slow handler is not run twice", async () => {
    const store = new MemoryStore();
    const renew = vi.spyOn(store, "renew");
    // Wide margins (renewal every 100 ms, a lease of 300 ms) so a loaded CI machine's late timers cannot fail it.
    const receiver = createReceiver({ provider: provider(), store, leaseMs: 300, ackDeadlineMs: 3_000 });
    let runs = 0;
    receiver.on("*", async () => {
      runs += 1;
      await new Promise((r) => setTimeout(r, 1_000));
    });
    const req = await request(passportEvent());
    const first = receiver.handle(req);
    await new Promise((r) => setTimeout(r, 500)); // past the first lease: only renewal keeps the claim
    expect((await receiver.handle(req)).status).toBe(409);
    expect((await first).status).toBe(200);
    expect(runs).toBe(1);
    expect(renew.mock.calls.length).toBeGreaterThanOrEqual(2);
  });

  it('ack: "immediate" answers before a CPU-bound sync handler runs, and the handler still runs', async () => {
    const receiver = createReceiver({ provider: provider(), ack: "immediate" });
    let ran = 0;
    receiver.on("*", () => {
      const until = performance.now() + 300;
      while (performance.now() < until) {} // busy: blocks the event loop
      ran += 1;
    });
    const started = performance.now();
    expect((await receiver.handle(await request(passportEvent()))).status).toBe(202);
    expect(performance.now() - started).toBeLessThan(150);
    await receiver.idle();
    expect(ran).toBe(1);
  });

  it("bounds sender-chosen keys: an enormous id is hashed", async () => {
    const store = new MemoryStore();
    const claim = vi.spyOn(store, "claim");
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: SECRET, idempotencyKey: () => "k".repeat(10_000) }),
      store,
    });
    await receiver.handle(await request(passportEvent()));
    expect(claim.mock.calls[0]?.[0]).toMatch(/^eulabel:sha256:[0-9a-f]{64}$/);
  });

  it("400 invalid_payload for JSON that is not an object, invalid UTF-8, or has no event type", async () => {
    const receiver = createReceiver({ provider: provider() });
    for (const body of ["[1,2]", "42", '{"id":"x"}']) {
      const res = await receiver.handle(await request(body));
      expect([res.status, JSON.parse(res.body).error]).toEqual([400, "invalid_payload"]);
    }
    const invalidUtf8 = new Uint8Array([0x7b, 0xff, 0x7d]);
    const signed = await sign(provider(), invalidUtf8);
    const res = await receiver.handle({ method: "POST", headers: signed.headers, rawBody: invalidUtf8 });
    expect(res.status).toBe(400);
  });

  it("accepts a body that starts with a UTF-8 BOM (the signature covers the BOM)", async () => {
    const receiver = createReceiver({ provider: provider() });
    receiver.on("*", () => {});
    const res = await receiver.handle(await request(`\uFEFF${JSON.stringify(passportEvent())}`));
    expect(res.status).toBe(200);
  });

  it("never throws, even when a provider's hook does", async () => {
    const base = provider();
    const receiver = createReceiver({
      provider: {
        ...base,
        eventType: () => {
          throw new Error("boom");
        },
      },
    });
    const res = await receiver.handle(await request(passportEvent()));
    expect([res.status, JSON.parse(res.body).error]).toEqual([500, "internal_error"]);
  });

  it("refuses a body larger than maxBodyBytes even without a content-length", async () => {
    const receiver = createReceiver({ provider: provider(), maxBodyBytes: 10 });
    const res = await receiver.handle(await request(passportEvent()));
    expect(res.status).toBe(413);
  });

  it("matches IPv4-mapped IPv6 clients against IPv4 ranges", async () => {
    const receiver = createReceiver({ provider: provider(), allowedIps: ["203.0.113.0/24"] });
    receiver.on("*", () => {});
    const req = await request(passportEvent());
    expect((await receiver.handle({ ...req, remoteAddress: "::ffff:203.0.113.9" })).status).toBe(200);
    expect((await receiver.handle({ ...req, remoteAddress: "203.0.114.1" })).status).toBe(403);
    expect((await receiver.handle({ ...req, remoteAddress: "garbage" })).status).toBe(403);
    const { remoteAddress: _, ...noAddress } = req;
    expect((await receiver.handle(noAddress)).status).toBe(403);
  });

  it("works with Web Crypto alone (Edge runtime) and with an injected crypto", async () => {
    const receiver = createReceiver({ provider: provider(), crypto: webCrypto() });
    receiver.on("*", () => {});
    expect((await receiver.handle(await request(passportEvent()))).status).toBe(200);
    expect((await receiver.handle(await request(passportEvent(), { secret: "nope" }))).status).toBe(401);
    const spy: CryptoProvider = { ...webCrypto(), timingSafeEqual: vi.fn(() => true) };
    const fooled = createReceiver({ provider: provider(), crypto: spy });
    fooled.on("*", () => {});
    expect((await fooled.handle(await request(passportEvent(), { secret: "nope" }))).status).toBe(200);
    expect(spy.timingSafeEqual).toHaveBeenCalled();
  });

  it("utf8Bytes encodes text as UTF-8 (statuses per error code: error-codes.test.ts)", () => {
    expect(utf8Bytes("é")).toEqual(new Uint8Array([0xc3, 0xa9]));
  });
});

describe("receiver.fetch()", () => {
  it("refuses a Request whose body was already read, saying how to fix it", async () => {
    const receiver = createReceiver({ provider: provider() });
    const { body, headers } = await signedDelivery(passportEvent());
    const req = new Request("http://localhost/hooks", { method: "POST", headers, body: Buffer.from(body) });
    await req.json();
    const res = await receiver.fetch(req);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({
      error: "body_already_consumed",
      message: expect.stringContaining("clone()"),
    });
  });

  it("verifies a streamed body and refuses one that passes maxBodyBytes mid-stream", async () => {
    const receiver = createReceiver({ provider: provider(), maxBodyBytes: 2048 });
    receiver.on("*", () => {});
    const { body, headers } = await signedDelivery(passportEvent());
    const stream = (bytes: Uint8Array, parts: number) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const step = Math.ceil(bytes.length / parts);
          for (let i = 0; i < bytes.length; i += step) controller.enqueue(bytes.subarray(i, i + step));
          controller.close();
        },
      });
    const init = (b: Uint8Array) =>
      ({ method: "POST", headers, body: stream(b, 4), duplex: "half" }) as RequestInit;
    expect((await receiver.fetch(new Request("http://localhost/h", init(body)))).status).toBe(200);
    const big = new Uint8Array(10_000).fill(32);
    expect((await receiver.fetch(new Request("http://localhost/h", init(big)))).status).toBe(413);
  });
});
