import { createHmac } from "node:crypto";
import http from "node:http";
import {
  cloudEventsValidation,
  createReceiver,
  defineProvider,
  ERROR_CODES,
  hmacSignature,
  type IdempotencyStore,
  MemoryQueue,
  MemoryStore,
  providers,
  type ReceiverOptions,
  sign,
  verify,
  type WebhookRequest,
  type WebhookResponse,
  withHandshake,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import express from "express";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listen } from "../conformance/adapters.js";
import { passportEvent } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { freePort } from "../support/redis.js";
import {
  capturingLogger,
  findLeaks,
  needleForms,
  serializeDeep,
  signatureNeedles,
  sleep,
} from "./support.js";

// Secrets never leak: every row of the README's contract and error tables is driven through
// receiver.handle(), receiver.fetch() and two HTTP adapters (Express, node:http) with a receiver that holds
// three rotation secrets. Every log line, response (status, headers, body), thrown message and onError
// error — causes and AggregateError members included, serialised every way a logger could — is searched for
// each secret and for each signature the receiver would expect (computed here with node:crypto: hex, HEX,
// base64, base64url, raw bytes).

const SECRETS = [
  "whsec_rotation_primary_5b1f0c9e2d7a",
  "whsec_rotation_secondary_83e4a6f1c0b2",
  "legacy-rotation-secret-ǅ-✓-0042",
] as const;
const NOW_MS = 1_774_000_000_000;
const T = Math.floor(NOW_MS / 1000);
const PATH = "/hooks";

/** Where each text was seen, and the text. */
const texts: [string, string][] = [];
/** Every signature the receiver could have computed (per body and secret), as hex. */
const expectedHex = new Set<string>();
const logger = capturingLogger();
const onErrors: unknown[] = [];
const observed = new Set<string>();

const collect = (where: string, value: unknown) => texts.push([where, serializeDeep(value)]);
const hmac = (secret: string | Buffer, ...parts: (string | Uint8Array)[]) => {
  const mac = createHmac("sha256", secret);
  for (const p of parts) mac.update(p);
  return mac.digest("hex");
};

/** Records the EUlabel-style signatures of `body` under every secret. */
function expectFor(body: Uint8Array | string): void {
  for (const s of SECRETS) expectedHex.add(hmac(s, body));
}

/** A body signed with `secretIndex` of the rotation secrets, EUlabel style; its expected signatures recorded. */
function eulabelDelivery(payload: unknown, secretIndex = 1) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  expectFor(body);
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-eulabel-signature": `sha256=${hmac(SECRETS[secretIndex]!, body)}`,
    },
  };
}

type EulabelOptions = Partial<ReceiverOptions<ReturnType<typeof providers.eulabel>["events"]>>;

function eulabelReceiver(options: EulabelOptions = {}, handler?: () => unknown) {
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: [...SECRETS] }),
    logger,
    onError: (error) => onErrors.push(error),
    ...options,
  });
  receiver.on("passport.published", async () => {
    await handler?.();
  });
  return receiver;
}

function note(where: string, res: WebhookResponse | { status: number; text: string }) {
  const text = "body" in res ? res.body : res.text;
  collect(`${where} response`, res);
  let code = String(res.status);
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    if (typeof parsed.error === "string") code = parsed.error;
    else if (parsed.duplicate) code = "duplicate";
    else if (parsed.handled === false) code = "no_handler";
    else if (parsed.status === "processing") code = "processing_202";
    else if (parsed.received) code = "handled";
  } catch {}
  observed.add(code);
  return code;
}

const request = (
  d: { body: string; headers: Record<string, string> },
  extra: Partial<WebhookRequest> = {},
) => ({
  method: "POST",
  headers: d.headers,
  rawBody: new Uint8Array(Buffer.from(d.body)),
  remoteAddress: "127.0.0.1",
  ...extra,
});

/** A store that fails every call with an error whose cause chain is several levels deep. */
const brokenStore: IdempotencyStore = {
  claim: () =>
    Promise.reject(
      new Error("connect ECONNREFUSED", { cause: new Error("socket closed", { cause: "EPIPE" }) }),
    ),
  complete: () => Promise.reject(new Error("down")),
  release: () => Promise.reject(new Error("down")),
  renew: () => Promise.reject(new Error("down")),
};

describe("secrets and expected signatures never leak", () => {
  it("through receiver.handle(): every row of the contract table", { timeout: 30_000 }, async () => {
    const event = passportEvent();
    // method_not_allowed (correctly signed, so the expected signature is on the request itself)
    expect(
      note("405", await eulabelReceiver().handle(request(eulabelDelivery(event), { method: "GET" }))),
    ).toBe("method_not_allowed");
    // ip_not_allowed
    expect(
      note(
        "403",
        await eulabelReceiver({ allowedIps: ["10.0.0.0/8"] }).handle(request(eulabelDelivery(event))),
      ),
    ).toBe("ip_not_allowed");
    // payload_too_large: declared and actual
    const big = eulabelDelivery(passportEvent("passport.published", { pad: "p".repeat(2_000) }));
    expect(note("413", await eulabelReceiver({ maxBodyBytes: 512 }).handle(request(big)))).toBe(
      "payload_too_large",
    );
    expect(
      note(
        "413 declared",
        await eulabelReceiver({ maxBodyBytes: 512 }).handle(
          request({ ...big, headers: { ...big.headers, "content-length": "999999" } }),
        ),
      ),
    ).toBe("payload_too_large");
    // missing_signature
    const unsigned = JSON.stringify(passportEvent());
    expectFor(unsigned);
    expect(
      note(
        "401 missing",
        await eulabelReceiver().handle(
          request({ body: unsigned, headers: { "content-type": "application/json" } }),
        ),
      ),
    ).toBe("missing_signature");
    // invalid_signature: a secret nobody configured; bytes changed after signing; a truncated signature
    const forged = JSON.stringify(passportEvent());
    expectFor(forged);
    const wrong = {
      body: forged,
      headers: { "x-eulabel-signature": `sha256=${hmac("attacker-guess", forged)}` },
    };
    expect(note("401 forged", await eulabelReceiver().handle(request(wrong)))).toBe("invalid_signature");
    const signed = eulabelDelivery(passportEvent());
    const altered = `${signed.body.slice(0, -1)} }`;
    expectFor(altered);
    expect(note("401 altered", await eulabelReceiver().handle(request({ ...signed, body: altered })))).toBe(
      "invalid_signature",
    );
    const truncated = {
      ...signed,
      headers: { "x-eulabel-signature": signed.headers["x-eulabel-signature"].slice(0, 40) },
    };
    expect(note("401 truncated", await eulabelReceiver().handle(request(truncated)))).toBe(
      "invalid_signature",
    );

    // timestamp_out_of_range: Stripe (t=…,v1=hex over `${t}.${body}`) and Standard Webhooks (base64 over id.t.body)
    const stale = T - 3_600;
    const stripeBody = JSON.stringify({
      id: "evt_1",
      object: "event",
      type: "x.y",
      created: stale,
      livemode: false,
    });
    for (const s of SECRETS) expectedHex.add(hmac(s, `${stale}.`, stripeBody));
    const stripe = createReceiver({
      provider: providers.stripe({ secret: [...SECRETS] }),
      logger,
      now: () => NOW_MS,
      onError: (e) => onErrors.push(e),
    });
    const stripeReq = {
      body: stripeBody,
      headers: { "stripe-signature": `t=${stale},v1=${hmac(SECRETS[2], `${stale}.`, stripeBody)}` },
    };
    expect(note("401 stripe stale", await stripe.handle(request(stripeReq)))).toBe("timestamp_out_of_range");
    const swSecrets = SECRETS.map((s) => `whsec_${Buffer.from(s).toString("base64")}`);
    const sw = createReceiver({
      provider: providers.standardWebhooks({ secret: swSecrets }),
      logger,
      now: () => NOW_MS,
    });
    const swBody = JSON.stringify({ type: "x.y", data: {} });
    for (const s of SECRETS) expectedHex.add(hmac(Buffer.from(s), `msg_1.${stale}.`, swBody));
    const swReq = {
      body: swBody,
      headers: {
        "webhook-id": "msg_1",
        "webhook-timestamp": String(stale),
        "webhook-signature": `v1,${Buffer.from(hmac(Buffer.from(SECRETS[0]), `msg_1.${stale}.`, swBody), "hex").toString("base64")}`,
      },
    };
    expect(note("401 sw stale", await sw.handle(request(swReq)))).toBe("timestamp_out_of_range");

    // invalid_payload: not JSON, and a schema violation (issues carry paths, never values)
    expect(note("400 not json", await eulabelReceiver().handle(request(eulabelDelivery("{not json"))))).toBe(
      "invalid_payload",
    );
    const bad = passportEvent();
    (bad.compliance as Record<string, unknown>).completeness = SECRETS[0];
    expect(note("400 schema", await eulabelReceiver().handle(request(eulabelDelivery(bad))))).toBe(
      "invalid_payload",
    );

    // store_unavailable: a failing store (cause chain), a hanging store (timeout), and a real RedisStore
    // whose Redis is not there (RedisStoreError → ioredis error chain)
    expect(
      note(
        "503 broken",
        await eulabelReceiver({ store: brokenStore }).handle(request(eulabelDelivery(passportEvent()))),
      ),
    ).toBe("store_unavailable");
    const hanging: IdempotencyStore = { ...brokenStore, claim: () => new Promise(() => {}) };
    expect(
      note(
        "503 hanging",
        await eulabelReceiver({ store: hanging, storeTimeoutMs: 50 }).handle(
          request(eulabelDelivery(passportEvent())),
        ),
      ),
    ).toBe("store_unavailable");
    const deadPort = await freePort();
    const client = createRedisClient(`redis://127.0.0.1:${deadPort}`, { lazyConnect: false });
    client.on("error", (error) => collect("redis client error", error));
    try {
      const store = new RedisStore({ client, defaultTimeoutMs: 150, retryWritesForMs: 0 });
      expect(
        note(
          "503 redis",
          await eulabelReceiver({ store, storeTimeoutMs: 1_000 }).handle(
            request(eulabelDelivery(passportEvent())),
          ),
        ),
      ).toBe("store_unavailable");
    } finally {
      client.disconnect();
    }

    // handled, duplicate, in_progress, no handler
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const gated = eulabelReceiver({}, () => gate);
    const once = eulabelDelivery(passportEvent(), 0);
    const first = gated.handle(request(once));
    await sleep(10);
    expect(note("409", await gated.handle(request(once)))).toBe("in_progress");
    release();
    expect(note("200", await first)).toBe("handled");
    expect(note("200 duplicate", await gated.handle(request(once)))).toBe("duplicate");
    expect(
      note(
        "200 no handler",
        await eulabelReceiver().handle(request(eulabelDelivery(passportEvent("passport.enriched")))),
      ),
    ).toBe("no_handler");

    // handler_failed: several handlers, errors with causes (gathered in an AggregateError)
    const failing = eulabelReceiver({}, () => {
      throw new Error("database timeout", { cause: new Error("pool exhausted") });
    });
    failing.on("*", () => {
      throw new TypeError("second handler broke");
    });
    expect(note("500", await failing.handle(request(eulabelDelivery(passportEvent()))))).toBe(
      "handler_failed",
    );

    // 202 at the ack deadline, then a later failure reaches onError and the logger; also ack: "immediate"
    const late = eulabelReceiver({ ackDeadlineMs: 20 }, async () => {
      await sleep(60);
      throw new Error("late failure", { cause: new RangeError("deep cause") });
    });
    expect(note("202", await late.handle(request(eulabelDelivery(passportEvent()))))).toBe("processing_202");
    await late.idle();
    const immediate = eulabelReceiver({ ack: "immediate" }, () => {
      throw new Error("background failure");
    });
    expect(note("202 immediate", await immediate.handle(request(eulabelDelivery(passportEvent()))))).toBe(
      "processing_202",
    );
    await immediate.idle();

    // Store failures after the answer: complete fails (reported), renewals fail (logged)
    const inner = new MemoryStore();
    const flaky: IdempotencyStore = {
      claim: (k, o) => inner.claim(k, o),
      complete: () => Promise.reject(new Error("complete lost", { cause: new Error("READONLY replica") })),
      release: (k, t) => inner.release(k, t),
      renew: () => Promise.reject(new Error("renew lost")),
    };
    expect(
      note(
        "200 complete fails",
        await eulabelReceiver({ store: flaky, leaseMs: 30 }, () => sleep(60)).handle(
          request(eulabelDelivery(passportEvent())),
        ),
      ),
    ).toBe("handled");

    // internal_error: a provider hook that throws
    const hookProvider = defineProvider({
      name: "hooked",
      signature: hmacSignature({ header: "x-eulabel-signature", prefix: "sha256=", secret: [...SECRETS] }),
      events: { "passport.published": z.looseObject({}) },
      eventType: ({ body }) => (typeof body.event === "string" ? body.event : undefined),
      idempotencyKey: ({ body }) => (body as { missing: { deep: string } }).missing.deep,
    });
    const hooked = createReceiver({ provider: hookProvider, logger, onError: (e) => onErrors.push(e) });
    hooked.on("passport.published", () => {});
    expect(note("500 internal", await hooked.handle(request(eulabelDelivery(passportEvent()))))).toBe(
      "internal_error",
    );

    // invalid_handshake / origin_not_allowed: a verified Zoom validation without its token, and a CloudEvents
    // OPTIONS from an origin not allowed; a correct validation is answered (its response scanned too).
    const zoom = providers.zoom({ secret: [...SECRETS] });
    const zoomReceiver = createReceiver({ provider: zoom, logger, onError: (e) => onErrors.push(e) });
    const zoomRequest = async (body: string) => {
      const signed = await sign(zoom, body, { timestamp: T });
      return { method: "POST", headers: signed.headers, rawBody: signed.body, receivedAt: NOW_MS };
    };
    expect(
      note(
        "400 invalid_handshake",
        await zoomReceiver.handle(await zoomRequest('{"event":"endpoint.url_validation","payload":{}}')),
      ),
    ).toBe("invalid_handshake");
    note(
      "200 zoom handshake",
      await zoomReceiver.handle(
        await zoomRequest(
          '{"event":"endpoint.url_validation","payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"}}',
        ),
      ),
    );
    const events = createReceiver({
      provider: withHandshake(
        providers.eulabel({ secret: [...SECRETS] }),
        cloudEventsValidation({ allowedOrigins: ["events.example.com"] }),
      ),
      logger,
    });
    expect(
      note(
        "403 origin_not_allowed",
        await events.handle({
          method: "OPTIONS",
          headers: { "webhook-request-origin": "attacker.example.net" },
          rawBody: new Uint8Array(),
        }),
      ),
    ).toBe("origin_not_allowed");

    // secret_lookup_failed: the vault's own error is the app's (it reaches the app's logger as the cause, as a
    // careless handler's does), but the 503 answer never carries it.
    const vaulted = createReceiver({
      provider: providers.eulabel({
        secret: () => {
          throw new Error(`vault refused: ${SECRETS[0]}`);
        },
      }),
      tenant: () => "brand-a",
      logger: capturingLogger(),
      onError: () => {},
    });
    vaulted.on("passport.published", () => {});
    expect(
      note("503 secret_lookup_failed", await vaulted.handle(request(eulabelDelivery(passportEvent())))),
    ).toBe("secret_lookup_failed");

    // A handler error that itself contains a secret is the app's own: it may reach the app's logger, but
    // never the sender's response.
    const careless = eulabelReceiver({ logger: capturingLogger(), onError: () => {} }, () => {
      throw new Error(`failed with ${SECRETS[0]}`);
    });
    const careless500 = await careless.handle(request(eulabelDelivery(passportEvent())));
    expect(careless500.status).toBe(500);
    expect(findLeaks(serializeDeep(careless500), needles(), "careless response")).toEqual([]);
  });

  it("through receiver.fetch(): consumed, stalled and aborted bodies", async () => {
    const receiver = eulabelReceiver({ bodyTimeoutMs: 100 });
    const d = eulabelDelivery(passportEvent());
    const used = new Request("http://x/hooks", { method: "POST", headers: d.headers, body: d.body });
    await used.text();
    const consumed = await receiver.fetch(used);
    expect(note("fetch consumed", { status: consumed.status, text: await consumed.text() })).toBe(
      "body_already_consumed",
    );
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(d.body.slice(0, 10)));
      },
    });
    const slow = await receiver.fetch(
      new Request("http://x/hooks", {
        method: "POST",
        headers: d.headers,
        body: stalled,
        duplex: "half",
      } as RequestInit),
    );
    expect(note("fetch stalled", { status: slow.status, text: await slow.text() })).toBe("body_timeout");
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(d.body.slice(0, 10)));
        controller.error(new Error("connection reset by peer"));
      },
    });
    const aborted = await receiver.fetch(
      new Request("http://x/hooks", {
        method: "POST",
        headers: d.headers,
        body: broken,
        duplex: "half",
      } as RequestInit),
    );
    expect(note("fetch aborted", { status: aborted.status, text: await aborted.text() })).toBe(
      "body_aborted",
    );
  });

  for (const adapter of ["express", "node:http"] as const) {
    it(`through ${adapter} over real HTTP: every row an HTTP client can reach`, {
      timeout: 30_000,
    }, async () => {
      const start = async (options: EulabelOptions = {}, handler?: () => unknown, parserFirst = false) => {
        const receiver = eulabelReceiver({ bodyTimeoutMs: 150, ...options }, handler);
        if (adapter === "node:http")
          return listen(http.createServer(createNodeHandler(receiver, { path: PATH })), PATH);
        const app = express();
        if (parserFirst) app.use(express.json());
        app.use(webhookMiddleware(receiver, { path: PATH }));
        return listen(http.createServer(app), PATH);
      };
      const post = (url: string, d: { body: string; headers: Record<string, string> }, method = "POST") =>
        send(url, { method, headers: d.headers, body: d.body });
      const rows: [
        string,
        EulabelOptions,
        (() => unknown) | undefined,
        () => { body: string; headers: Record<string, string> },
        string,
      ][] = [
        ["405", {}, undefined, () => eulabelDelivery(passportEvent()), "method_not_allowed"],
        [
          "403",
          { allowedIps: ["10.0.0.0/8"] },
          undefined,
          () => eulabelDelivery(passportEvent()),
          "ip_not_allowed",
        ],
        [
          "413",
          { maxBodyBytes: 256 },
          undefined,
          () => eulabelDelivery(passportEvent("passport.published", { pad: "q".repeat(4_000) })),
          "payload_too_large",
        ],
        [
          "401 missing",
          {},
          undefined,
          () => ({ body: "{}", headers: { "content-type": "application/json" } }),
          "missing_signature",
        ],
        [
          "401 invalid",
          {},
          undefined,
          () => {
            const body = JSON.stringify(passportEvent());
            expectFor(body);
            return { body, headers: { "x-eulabel-signature": `sha256=${"ab".repeat(32)}` } };
          },
          "invalid_signature",
        ],
        ["400", {}, undefined, () => eulabelDelivery("[1,2,3]"), "invalid_payload"],
        [
          "503",
          { store: brokenStore },
          undefined,
          () => eulabelDelivery(passportEvent()),
          "store_unavailable",
        ],
        ["200", {}, undefined, () => eulabelDelivery(passportEvent()), "handled"],
        [
          "200 no handler",
          {},
          undefined,
          () => eulabelDelivery(passportEvent("scan.threshold")),
          "no_handler",
        ],
        [
          "500",
          {},
          () => {
            throw new Error("handler down");
          },
          () => eulabelDelivery(passportEvent()),
          "handler_failed",
        ],
        [
          "202",
          { ackDeadlineMs: 10 },
          () => sleep(40),
          () => eulabelDelivery(passportEvent()),
          "processing_202",
        ],
      ];
      for (const [label, options, handler, make, code] of rows) {
        const server = await start(options, handler);
        try {
          const d = make();
          const res = await post(server.url, d, label === "405" ? "GET" : "POST");
          expect(note(`${adapter} ${label}`, res), label).toBe(code);
          if (label === "200")
            expect(note(`${adapter} duplicate`, await post(server.url, d))).toBe("duplicate");
        } finally {
          await server.close();
        }
      }
      // in_progress over HTTP
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const gated = await start({}, () => gate);
      try {
        const d = eulabelDelivery(passportEvent());
        const first = post(gated.url, d);
        await sleep(50);
        expect(note(`${adapter} 409`, await post(gated.url, d))).toBe("in_progress");
        release();
        await first;
      } finally {
        await gated.close();
      }
      // body_timeout: headers and half a body, then silence
      const slow = await start();
      try {
        const d = eulabelDelivery(passportEvent());
        const res = await stalledUpload(slow.url, d.headers, d.body);
        expect(note(`${adapter} 408`, res)).toBe("body_timeout");
      } finally {
        await slow.close();
      }
      if (adapter === "express") {
        const parsed = await start({}, undefined, true);
        try {
          const d = eulabelDelivery(passportEvent());
          expect(note("express consumed", await post(parsed.url, d))).toBe("body_already_consumed");
        } finally {
          await parsed.close();
        }
      }
    });
  }

  it("configuration errors and the verify() helper name no secret", async () => {
    const thrown: unknown[] = [];
    const attempt = (fn: () => unknown) => {
      try {
        fn();
        thrown.push(new Error("did not throw"));
      } catch (error) {
        thrown.push(error);
      }
    };
    attempt(() => providers.eulabel({ secret: [SECRETS[0], SECRETS[1], ""] }));
    attempt(() =>
      providers.standardWebhooks({
        secret: [`whsec_${Buffer.from(SECRETS[0]).toString("base64")}`, "whsec_!!!not-base64!!!"],
      }),
    );
    attempt(() =>
      createReceiver({ provider: providers.eulabel({ secret: [...SECRETS] }), allowedIps: ["not-a-cidr"] }),
    );
    attempt(() => createReceiver({ provider: providers.eulabel({ secret: [...SECRETS] }), maxBodyBytes: 0 }));
    attempt(() =>
      createReceiver({ provider: { ...providers.eulabel({ secret: [...SECRETS] }), kind: "nope" } as never }),
    );
    for (const error of thrown) {
      expect(error).toBeInstanceOf(Error);
      const code = (error as { code?: string }).code;
      expect(code).toBe("invalid_config");
      collect("thrown at start-up", error);
      // The row counts as seen only through an error that really carried the code.
      if (code !== undefined) observed.add(code);
    }
    const d = eulabelDelivery(passportEvent());
    const wrong = { ...d, headers: { "x-eulabel-signature": `sha256=${hmac("nope", d.body)}` } };
    collect("verify() outcome", await verify(providers.eulabel({ secret: [...SECRETS] }), request(wrong)));
    collect(
      "verify() missing",
      await verify(providers.eulabel({ secret: [...SECRETS] }), request({ ...d, headers: {} })),
    );
  });

  it("the durable and reported rows: 415, handler timeout, lost claim, dead letter, cut run", async () => {
    const elsewhere = await listen(
      http.createServer(createNodeHandler(eulabelReceiver(), { path: PATH })),
      PATH,
    );
    try {
      const d = eulabelDelivery(passportEvent());
      note(
        "404",
        await send(elsewhere.url.replace(PATH, "/elsewhere"), { headers: d.headers, body: d.body }),
      );
    } finally {
      await elsewhere.close();
    }
    const gz = eulabelDelivery(passportEvent());
    note(
      "415",
      await eulabelReceiver().handle(
        request({ ...gz, headers: { ...gz.headers, "content-encoding": "gzip" } }),
      ),
    );
    const hung = await eulabelReceiver({ handlerTimeoutMs: 30 }, () => new Promise(() => {})).handle(
      request(eulabelDelivery(passportEvent())),
    );
    note("handler timeout", hung);
    const errorCode = (obj: unknown) => (obj as { err?: { code?: string } } | undefined)?.err?.code;
    if (logger.lines.some((l) => errorCode(l.obj) === "handler_timeout")) observed.add("handler_timeout");
    const inner = new MemoryStore();
    const losing: IdempotencyStore = {
      claim: (k, o) => inner.claim(k, o),
      complete: async () => false,
      release: (k, t) => inner.release(k, t),
      renew: (k, t, o) => inner.renew(k, t, o),
    };
    note(
      "claim lost",
      await eulabelReceiver({ store: losing }).handle(request(eulabelDelivery(passportEvent()))),
    );
    const queue = new MemoryQueue();
    const durable = eulabelReceiver({ queue }, () => {
      throw new Error("downstream refused the order");
    });
    note("queued", await durable.handle(request(eulabelDelivery(passportEvent()))));
    const worker = durable.work({ attempts: 1 });
    for (let i = 0; i < 200 && (await queue.listDeadLetters()).length === 0; i++)
      await new Promise((r) => setTimeout(r, 10));
    await worker.close();
    for (const letter of await queue.listDeadLetters()) collect("dead letter", letter);
    // A queue that saw the first run cut (a durable queue's stall): the worker reports it.
    const cutQueue = new MemoryQueue();
    let cut = false;
    const consume = cutQueue.consume.bind(cutQueue);
    cutQueue.consume = (processor, options) =>
      consume((job, context) => {
        if (cut) return processor(job, context);
        cut = true;
        return processor({ ...job, interrupted: 1 }, context);
      }, options);
    const resumed = eulabelReceiver({ queue: cutQueue }, () => {});
    note("queued", await resumed.handle(request(eulabelDelivery(passportEvent()))));
    const cutWorker = resumed.work({ backoff: { delayMs: 10, maxDelayMs: 10 } });
    for (
      let i = 0;
      i < 200 && !onErrors.some((e) => (e as { code?: string }).code === "worker_interrupted");
      i++
    )
      await new Promise((r) => setTimeout(r, 10));
    await cutWorker.close();
    for (const error of onErrors) {
      const code = (error as { code?: string }).code;
      if (code === "claim_lost" || code === "dead_letter" || code === "worker_interrupted")
        observed.add(code);
    }
  });

  it("nothing collected contains a secret or an expected signature; every row was seen", () => {
    for (const line of logger.lines) collect(`log ${line.level}: ${line.msg}`, line);
    for (const error of onErrors) collect("onError", error);
    const all = needles();
    const leaks = texts.flatMap(([where, text]) => findLeaks(text, all, where));
    console.info(
      `[secrets] scanned ${texts.length} texts (${logger.lines.length} log lines, ${onErrors.length} onError errors) for ${SECRETS.length} secrets and ${expectedHex.size} expected signatures in ${all.length} forms; rows seen: ${[...observed].sort().join(", ")}`,
    );
    expect(leaks).toEqual([]);
    // The scan is only worth something if it saw every row and real material to scan.
    const codes = Object.keys(ERROR_CODES);
    for (const code of [...codes, "handled", "duplicate", "no_handler", "processing_202"])
      expect(observed.has(code), `row ${code} was exercised`).toBe(true);
    expect(logger.lines.some((l) => l.level === "error" && l.obj && "err" in (l.obj as object))).toBe(true);
    expect(onErrors.some((e) => (e as { code?: string }).code === "handler_failed")).toBe(true);
    expect(onErrors.some((e) => (e as { code?: string }).code === "store_unavailable")).toBe(true);
    // The needles do find what they look for (guards against a scan that cannot fail).
    expect(
      findLeaks(serializeDeep(new Error("x", { cause: { key: Buffer.from(SECRETS[2]) } })), all, "probe"),
    ).not.toEqual([]);
    const someSig = [...expectedHex][0]!;
    expect(findLeaks(Buffer.from(someSig, "hex").toString("base64"), all, "probe")).not.toEqual([]);
  });
});

function needles(): [string, string][] {
  return [
    ...SECRETS.flatMap((s, i) => needleForms(`secret #${i + 1}`, s)),
    ...SECRETS.flatMap((s, i) =>
      needleForms(`secret #${i + 1} base64 key`, Buffer.from(s).toString("base64")),
    ),
    ...[...expectedHex].flatMap((hex) => signatureNeedles("expected signature", hex)),
  ];
}

/** Sends the headers (declaring the full length) and half the body, then goes silent until answered. */
function stalledUpload(
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const req = http.request(
      url,
      { method: "POST", headers: { ...headers, "content-length": String(bytes.length) }, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() });
        });
      },
    );
    req.on("error", reject);
    req.write(bytes.subarray(0, bytes.length >> 1));
  });
}
