import { createHash } from "node:crypto";
import http from "node:http";
import {
  createReceiver,
  ERROR_CODES,
  type IdempotencyStore,
  MemoryStore,
  type Provider,
  providers,
  sign,
  type WebhookRequest,
  type WebhookResponse,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import { RedisStore } from "@webhook-kit/redis";
import express from "express";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { listen } from "../conformance/adapters.js";
import { passportEvent, SECRET } from "../support/deliveries.js";
import { fcParams, hmacHex, sleep, useTwoRedisClients } from "./support.js";

// Property-based tests on receiver.handle(): hostile input never throws, never earns a 2xx without a valid
// signature, and no delivery's handler ever runs twice (or twice at once), whatever the mix of duplicates,
// concurrent copies and handler failures. Seeds are fixed and printed; FC_SEED / FC_RUNS override them.

const MAX_BODY = 2_048;
const SECRETS = [SECRET, "whsec_rotated_second_secret_0001"];
const OTHER_SECRET = "not-a-configured-secret";
const HEADER = "x-eulabel-signature";
const INSIDE = ["127.0.0.1", "127.9.8.7", "::1", "::ffff:127.0.0.1"];

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const codes = new Set(Object.keys(ERROR_CODES));

/** Every answer is well-formed: a known status, JSON body, a stable error code that matches the status. */
function assertWellFormed(res: WebhookResponse): Record<string, unknown> {
  expect(Number.isInteger(res.status)).toBe(true);
  expect(res.headers["content-type"]).toMatch(/^application\/json/);
  const body = JSON.parse(res.body) as Record<string, unknown>;
  if (res.status >= 400) {
    expect(codes.has(String(body.error)), `unknown error code ${String(body.error)}`).toBe(true);
    expect(res.status).toBe(ERROR_CODES[body.error as keyof typeof ERROR_CODES]);
    expect(typeof body.message).toBe("string");
  } else {
    expect([200, 202]).toContain(res.status);
    expect(body.received).toBe(true);
  }
  return body;
}

// ---------------------------------------------------------------------------------------------------------
// Arbitrary requests against the EUlabel preset, with an exact oracle for the contract's first rows.

type SigKind =
  | { kind: "absent" }
  | { kind: "blank"; text: string }
  | { kind: "arbitrary"; text: string }
  | { kind: "valid"; secret: number; prefix: string; upper: boolean; pad: string }
  | { kind: "flipped"; secret: number; at: number }
  | { kind: "truncated"; secret: number; keep: number }
  | { kind: "other-secret" }
  | { kind: "other-body" }
  | { kind: "base64"; secret: number };

const sigKind: fc.Arbitrary<SigKind> = fc.oneof(
  fc.constant({ kind: "absent" as const }),
  fc.constantFrom(" ", "\t", "  \t ").map((text) => ({ kind: "blank" as const, text })),
  fc
    .oneof(fc.string({ unit: "binary", maxLength: 80 }), fc.stringMatching(/^sha256=[0-9a-fA-F]{0,70}$/))
    .map((text) => ({ kind: "arbitrary" as const, text })),
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("valid" as const),
      secret: fc.nat(SECRETS.length - 1),
      prefix: fc.constantFrom("sha256=", "SHA256=", "Sha256=", ""),
      upper: fc.boolean(),
      pad: fc.constantFrom("", " ", "\t", "  "),
    }),
  },
  fc.record({ kind: fc.constant("flipped" as const), secret: fc.nat(SECRETS.length - 1), at: fc.nat(63) }),
  fc.record({
    kind: fc.constant("truncated" as const),
    secret: fc.nat(SECRETS.length - 1),
    keep: fc.nat(63),
  }),
  fc.constant({ kind: "other-secret" as const }),
  fc.constant({ kind: "other-body" as const }),
  fc.record({ kind: fc.constant("base64" as const), secret: fc.nat(SECRETS.length - 1) }),
);

/** The header value for a kind; `validSig` says whether it must verify (the oracle). */
function signatureFor(sig: SigKind, body: Uint8Array): { value: string | undefined; validSig: boolean } {
  const hex = (i: number) => hmacHex(SECRETS[i]!, body);
  switch (sig.kind) {
    case "absent":
      return { value: undefined, validSig: false };
    case "blank":
      return { value: sig.text, validSig: false };
    case "arbitrary": {
      // Independent oracle of the documented tolerance: trimmed, optional sha256= (any case), hex any case.
      let text = sig.text.trim();
      if (text.toLowerCase().startsWith("sha256=")) text = text.slice(7);
      const validSig = SECRETS.some((_, i) => text.toLowerCase() === hex(i));
      return { value: sig.text, validSig };
    }
    case "valid": {
      const digest = sig.upper ? hex(sig.secret).toUpperCase() : hex(sig.secret);
      return { value: `${sig.pad}${sig.prefix}${digest}${sig.pad}`, validSig: true };
    }
    case "flipped": {
      const digest = hex(sig.secret);
      const c = digest[sig.at]!;
      const flipped = digest.slice(0, sig.at) + (c === "0" ? "1" : "0") + digest.slice(sig.at + 1);
      return { value: `sha256=${flipped}`, validSig: false };
    }
    case "truncated":
      return { value: `sha256=${hex(sig.secret).slice(0, sig.keep)}`, validSig: false };
    case "other-secret":
      return { value: `sha256=${hmacHex(OTHER_SECRET, body)}`, validSig: false };
    case "other-body":
      return { value: `sha256=${hmacHex(SECRETS[0]!, body, " ")}`, validSig: false };
    case "base64":
      return { value: Buffer.from(hex(sig.secret), "hex").toString("base64"), validSig: false };
  }
}

const jsonText = (value: unknown) => JSON.stringify(value) ?? "null";

/** Payloads: valid passports, passports with fields swapped for junk, any JSON, any bytes, oversized. */
const body: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(null).map(() => utf8(jsonText(passportEvent()))) },
  {
    weight: 3,
    arbitrary: fc
      .record({
        event: fc.oneof(
          fc.constantFrom("passport.published", "passport.deleted", "scan.threshold", "passport.future"),
          fc.anything(),
        ),
        id: fc.oneof(fc.string(), fc.anything()),
        compliance: fc.oneof(fc.constant(passportEvent().compliance), fc.anything()),
        timestamp: fc.oneof(fc.constant("2026-03-25T10:00:00Z"), fc.anything()),
        extra: fc.anything(),
      })
      .map((o) => utf8(jsonText(o))),
  },
  { weight: 2, arbitrary: fc.json({ maxDepth: 3 }).map(utf8) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 200 }).map(utf8) },
  {
    weight: 1,
    arbitrary: fc
      .integer({ min: MAX_BODY + 1, max: MAX_BODY + 64 })
      .map((n) => utf8(jsonText(passportEvent("passport.published", { pad: "x".repeat(n) })))),
  },
);

const method = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom("POST", "post", "PoSt") },
  { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH") },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

const outsideV4 = fc
  .tuple(fc.integer({ min: 1, max: 223 }), fc.nat(255), fc.nat(255), fc.nat(255))
  .filter(([a]) => a !== 127)
  .map((parts) => parts.join("."));
const remoteAddress = fc.oneof(
  fc.constantFrom(...INSIDE),
  outsideV4,
  fc.tuple(fc.nat(0xffff), fc.nat(0xffff)).map(([a, b]) => `2001:db8::${a.toString(16)}:${b.toString(16)}`),
  // Junk that no IP parser could read as an address (ipaddr.js also reads "127.1", "0x7f000001", …).
  fc.string({ maxLength: 20 }).filter((s) => !/^[\s0-9a-fA-Fx.:%]*$/.test(s)),
  fc.constant(undefined),
);

const extraHeaders = fc.dictionary(
  fc.oneof(
    fc.string({ maxLength: 16 }),
    fc.constantFrom("content-type", "content-length", "x-forwarded-for"),
  ),
  fc.oneof(fc.string({ maxLength: 40 }), fc.nat().map(String), fc.constantFrom("", "-1", "1e9", "NaN")),
  { maxKeys: 4 },
);

describe("fuzz: arbitrary requests to receiver.handle()", () => {
  it("never throw, are always well-formed, answer in the contract's order, never 2xx without a valid signature", async () => {
    const calls = { n: 0 };
    const open = createReceiver({ provider: providers.eulabel({ secret: SECRETS }), maxBodyBytes: MAX_BODY });
    const fenced = createReceiver({
      provider: providers.eulabel({ secret: SECRETS }),
      maxBodyBytes: MAX_BODY,
      allowedIps: ["127.0.0.0/8", "::1/128"],
    });
    for (const r of [open, fenced])
      r.on("*", () => {
        calls.n += 1;
      });
    const seen = new Map<string, number>();
    const statuses = new Map<number, number>();

    await fc.assert(
      fc.asyncProperty(
        method,
        body,
        sigKind,
        extraHeaders,
        remoteAddress,
        fc.nat(2).map((n) => n === 0),
        async (verb, raw, sig, extra, address, useFence) => {
          const { value, validSig } = signatureFor(sig, raw);
          const headers: Record<string, string> = {};
          for (const [name, v] of Object.entries(extra)) headers[name.toLowerCase()] = v;
          delete headers[HEADER];
          if (value !== undefined) headers[HEADER] = value;
          const request: WebhookRequest = { method: verb, headers, rawBody: raw };
          if (address !== undefined) request.remoteAddress = address;
          const before = calls.n;
          const res = await (useFence ? fenced : open).handle(request);
          const out = assertWellFormed(res);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);

          // The contract's order, computed independently of core.
          const declared = headers["content-length"];
          let expected: number | undefined;
          if (verb.toUpperCase() !== "POST") expected = 405;
          else if (useFence && !INSIDE.includes(address ?? "")) expected = 403;
          else if ((declared !== undefined && Number(declared) > MAX_BODY) || raw.length > MAX_BODY)
            expected = 413;
          else if (value === undefined || value.trim() === "") expected = 401;
          else if (!validSig) expected = 401;
          if (expected !== undefined) {
            expect(res.status).toBe(expected);
          } else {
            // Signed and admitted: a 2xx, or invalid_payload for bytes that are no passport event.
            expect([200, 400]).toContain(res.status);
          }
          if (res.status === 405) expect(res.headers.allow).toBe("POST");
          if (expected === 401)
            expect(out.error).toBe(
              value === undefined || !value.trim() ? "missing_signature" : "invalid_signature",
            );
          if (res.status < 300) expect(validSig).toBe(true);
          // Handlers ran only for a 2xx, and only for a delivery not seen before.
          if (res.status !== 200 || out.duplicate === true || out.handled === false)
            expect(calls.n).toBe(before);
          else {
            expect(calls.n).toBe(before + 1);
            const key = createHash("sha256").update(raw).digest("hex");
            seen.set(key, (seen.get(key) ?? 0) + 1);
            expect(seen.get(key)).toBe(1);
          }
        },
      ),
      fcParams("arbitrary requests", 0x5eed_0001, 1_500),
    );
    console.info(`[fuzz] arbitrary requests: statuses ${JSON.stringify(Object.fromEntries(statuses))}`);
    // The generators reach every row they aim at (a property that only ever saw 401s would prove little).
    for (const status of [200, 400, 401, 403, 405, 413])
      expect(statuses.get(status), `status ${status}`).toBeGreaterThan(0);
  });

  it("for every preset: a changed signature header or body is 401, the untouched delivery passes verification", async () => {
    const nowMs = 1_774_000_000_000;
    const t = Math.floor(nowMs / 1000);
    const whsec = (s: string) => `whsec_${Buffer.from(s).toString("base64")}`;
    const presets: [string, (secret: string) => Provider][] = [
      ["eulabel", (secret) => providers.eulabel({ secret })],
      ["eulabelInbound", (secret) => providers.eulabelInbound({ secret })],
      ["eudr", (secret) => providers.eudr({ secret })],
      ["generic", (secret) => providers.generic({ secret })],
      ["shipping", (secret) => providers.shipping({ secret })],
      ["github", (secret) => providers.github({ secret })],
      ["stripe", (secret) => providers.stripe({ secret })],
      ["standardWebhooks", (secret) => providers.standardWebhooks({ secret: whsec(secret) })],
    ];
    const payload = {
      id: "evt_1",
      type: "thing.happened",
      event: "thing.happened",
      timestamp: "2026-03-25T10:00:00Z",
      data: { id: "x" },
    };
    const cases = await Promise.all(
      presets.map(async ([name, make]) => {
        const provider = make("preset-secret-A");
        const other = make("preset-secret-B");
        const body = JSON.stringify(payload);
        const signOptions = { timestamp: t, id: "msg_1" };
        const a = await sign(provider, body, signOptions);
        const b = await sign(other, body, signOptions);
        const headers: Record<string, string> = {
          "content-type": "application/json",
          "x-github-event": "thing",
          "x-github-delivery": "d-1",
          ...a.headers,
        };
        // The signature-carrying headers are the ones whose value depends on the secret.
        // GitHub's legacy SHA-1 `X-Hub-Signature` is sent but never verified (SHA-256 only), so it is left out.
        const sigHeaders = Object.keys(a.headers).filter(
          (h) => a.headers[h] !== b.headers[h] && h.toLowerCase() !== "x-hub-signature",
        );
        const bodyCarriesSig = Buffer.compare(Buffer.from(a.body), Buffer.from(b.body)) !== 0;
        expect(sigHeaders.length > 0 || bodyCarriesSig, name).toBe(true);
        const receiver = createReceiver({ provider, now: () => nowMs, store: new MemoryStore() });
        receiver.on("*" as never, () => {});
        return { name, receiver, headers, rawBody: a.body, sigHeaders, otherHeaders: b.headers };
      }),
    );

    type Mutation =
      | { kind: "none" }
      | { kind: "header-arbitrary"; which: number; text: string }
      | { kind: "header-other-secret"; which: number }
      | { kind: "header-drop"; which: number }
      | { kind: "body-flip"; at: number; xor: number }
      | { kind: "body-arbitrary"; bytes: Uint8Array };
    const mutation: fc.Arbitrary<Mutation> = fc.oneof(
      fc.constant({ kind: "none" as const }),
      fc.record({
        kind: fc.constant("header-arbitrary" as const),
        which: fc.nat(),
        text: fc.string({ unit: "binary", maxLength: 120 }),
      }),
      fc.record({ kind: fc.constant("header-other-secret" as const), which: fc.nat() }),
      fc.record({ kind: fc.constant("header-drop" as const), which: fc.nat() }),
      fc.record({
        kind: fc.constant("body-flip" as const),
        at: fc.nat(),
        xor: fc.integer({ min: 1, max: 255 }),
      }),
      fc.record({ kind: fc.constant("body-arbitrary" as const), bytes: fc.uint8Array({ maxLength: 200 }) }),
    );

    const passed = new Set<string>();
    const refused = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.nat(cases.length - 1), mutation, async (index, m) => {
        const c = cases[index]!;
        const headers = { ...c.headers };
        let rawBody = c.rawBody;
        let changed = false;
        const target =
          c.sigHeaders.length > 0
            ? c.sigHeaders[("which" in m ? m.which : 0) % c.sigHeaders.length]
            : undefined;
        if (m.kind === "header-arbitrary" && target) {
          changed = headers[target] !== m.text;
          headers[target] = m.text;
        } else if (m.kind === "header-other-secret" && target) {
          headers[target] = c.otherHeaders[target]!;
          changed = true;
        } else if (m.kind === "header-drop" && target) {
          delete headers[target];
          changed = true;
        } else if (m.kind === "body-flip") {
          const copy = new Uint8Array(rawBody);
          const at = m.at % copy.length;
          copy[at] = copy[at]! ^ m.xor;
          rawBody = copy;
          changed = true;
        } else if (m.kind === "body-arbitrary") {
          rawBody = m.bytes;
          changed = Buffer.compare(Buffer.from(m.bytes), Buffer.from(c.rawBody)) !== 0;
        }
        const res = await c.receiver.handle({ method: "POST", headers, rawBody, remoteAddress: "127.0.0.1" });
        const out = assertWellFormed(res);
        if (changed) {
          expect(res.status, `${c.name} ${m.kind}: ${res.body}`).toBe(401);
          expect(["missing_signature", "invalid_signature", "timestamp_out_of_range"]).toContain(out.error);
          refused.add(c.name);
        } else {
          expect(res.status, `${c.name} untouched: ${res.body}`).not.toBe(401);
          passed.add(c.name);
        }
      }),
      fcParams("presets: mutated signature or body", 0x5eed_0002, 800),
    );
    expect([...passed].sort()).toEqual(presets.map(([n]) => n).sort());
    expect([...refused].sort()).toEqual(presets.map(([n]) => n).sort());
  });
});

// ---------------------------------------------------------------------------------------------------------
// Sequences of valid, duplicate and concurrent deliveries with random handler outcomes.

type Outcome = "ok" | "throw" | "slow-ok" | "slow-throw";
const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  { weight: 6, arbitrary: fc.constant("ok" as const) },
  { weight: 3, arbitrary: fc.constant("throw" as const) },
  { weight: 1, arbitrary: fc.constant("slow-ok" as const) },
  { weight: 1, arbitrary: fc.constant("slow-throw" as const) },
);

const ACK_DEADLINE_MS = 15;
const SLOW_MS = 35;

/** Stores for one run: one receiver is made per store (several = several processes sharing the state). */
type StoreFactory = () => IdempotencyStore[];

async function sequenceProperty(label: string, seed: number, numRuns: number, stores: StoreFactory) {
  const pool = await Promise.all(
    Array.from({ length: 5 }, async () => {
      const signed = await sign(providers.eulabel({ secret: SECRET }), JSON.stringify(passportEvent()));
      return { headers: { "content-type": "application/json", ...signed.headers }, body: signed.body };
    }),
  );
  const keyOf = (i: number) =>
    `eulabel:passport.published:${createHash("sha256").update(pool[i]!.body).digest("hex")}`;
  const statuses = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.record({ event: fc.nat(pool.length - 1), copies: fc.integer({ min: 1, max: 3 }) }), {
        minLength: 1,
        maxLength: 10,
      }),
      fc.array(outcome, { maxLength: 20 }),
      fc.constantFrom("after-handlers" as const, "immediate" as const),
      fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
      async (steps, outcomes, ack, routes) => {
        const errors: string[] = [];
        const inflight = new Map<string, number>();
        const successes = new Map<string, number>();
        const violations: string[] = [];
        let next = 0;
        const receivers = stores().map((store) => {
          const receiver = createReceiver({
            provider: providers.eulabel({ secret: SECRET }),
            store,
            ack,
            ackDeadlineMs: ACK_DEADLINE_MS,
            onError: (error) => errors.push(error.code),
          });
          receiver.on("*", async (event) => {
            const now = (inflight.get(event.id) ?? 0) + 1;
            inflight.set(event.id, now);
            if (now > 1) violations.push(`${event.id} ran ${now} times at once`);
            const what = outcomes[next++] ?? "ok";
            try {
              if (what.startsWith("slow")) await sleep(SLOW_MS);
              else await Promise.resolve();
              if (what.endsWith("throw")) throw new Error(`handler failure (${what})`);
              successes.set(event.id, (successes.get(event.id) ?? 0) + 1);
              if ((successes.get(event.id) ?? 0) > 1) violations.push(`${event.id} succeeded twice`);
            } finally {
              inflight.set(event.id, (inflight.get(event.id) ?? 1) - 1);
            }
          });
          return receiver;
        });
        let sent = 0;
        const deliver = async (i: number) => {
          // Copies land on the receivers in a generated order (one receiver: always the same).
          const receiver = receivers[routes[sent++ % routes.length]! % receivers.length]!;
          const res = await receiver.handle({ method: "POST", ...pool[i]!, rawBody: pool[i]!.body });
          const out = assertWellFormed(res);
          // A duplicate answer only once the handler really succeeded.
          if (out.duplicate === true && (successes.get(keyOf(i)) ?? 0) !== 1)
            violations.push(`duplicate answer for ${i} before any success`);
          if (res.status === 200 && out.duplicate !== true && (successes.get(keyOf(i)) ?? 0) !== 1)
            violations.push(`200 for ${i} without its handler's success`);
          expect([200, 202, 409, 500]).toContain(res.status);
          const answer = out.duplicate === true ? "200-duplicate" : String(res.status);
          statuses.set(answer, (statuses.get(answer) ?? 0) + 1);
          return { status: res.status, duplicate: out.duplicate === true };
        };

        for (const step of steps) {
          await Promise.all(Array.from({ length: step.copies }, () => deliver(step.event)));
        }
        // The sender retries every event it sent until it is told the event is done.
        const events = [...new Set(steps.map((s) => s.event))];
        for (const i of events) {
          for (let attempt = 0; ; attempt++) {
            expect(attempt).toBeLessThan(60);
            const { status, duplicate } = await deliver(i);
            if (status === 200 && duplicate) break;
            if (status === 200) continue; // verify once more that it is remembered
            await sleep(status === 409 || status === 202 ? 5 : 0);
          }
        }
        await Promise.all(receivers.map((r) => r.idle()));
        expect(violations).toEqual([]);
        for (const i of events) expect(successes.get(keyOf(i)), `event ${i}`).toBe(1);
        expect(successes.size).toBe(events.length);
        for (const [id, n] of inflight) expect(n, id).toBe(0);
        for (const code of errors) expect(code).toBe("handler_failed");
      },
    ),
    fcParams(label, seed, numRuns),
  );
  console.info(`[fuzz] ${label}: answers ${JSON.stringify(Object.fromEntries(statuses))}`);
  for (const answer of ["200", "200-duplicate", "202", "409", "500"])
    expect(statuses.get(answer), answer).toBeGreaterThan(0);
}

describe("fuzz: sequences of deliveries", () => {
  it("one receiver, MemoryStore: a delivery's handler never runs twice, nor twice at once; each event succeeds exactly once in the end", async () => {
    await sequenceProperty("delivery sequences (MemoryStore)", 0x5eed_0003, 60, () => [new MemoryStore()]);
  });

  describe("two receivers sharing a real Redis (RedisStore, two clients)", () => {
    const redis = useTwoRedisClients("hardening-sequences");
    const base = redis.base;

    it("the same: never twice, never twice at once, each event exactly once, copies spread over both", async () => {
      let run = 0;
      await sequenceProperty("delivery sequences (2 × RedisStore)", 0x5eed_0007, 30, () => {
        const prefix = `${base}${run++}:`;
        return redis.clients().map((client) => new RedisStore({ client, prefix }));
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------------------
// Streaming and clocks.

/** An EUlabel receiver with `maxBodyBytes: limit` that accepts every event. */
function acceptingReceiver(limit: number) {
  const receiver = createReceiver({ provider: providers.eulabel({ secret: SECRETS }), maxBodyBytes: limit });
  receiver.on("*", () => {});
  return receiver;
}

describe("fuzz: streamed bodies and signed timestamps", () => {
  it("receiver.fetch on a body split into arbitrary chunks answers exactly as handle() on the whole bytes", async () => {
    const limit = 1_024;
    const make = () => acceptingReceiver(limit);
    const whole = make();
    const streamed = make();
    const payload = fc.oneof(
      fc
        .constant(null)
        .map(() => jsonText(passportEvent("passport.published", { note: "é✓😀 — multi-byte" }))),
      fc
        .string({ unit: "binary", maxLength: 1_200 })
        .map((s) => jsonText(passportEvent("passport.published", { s }))),
      fc.string({ unit: "binary", maxLength: 300 }),
    );
    await fc.assert(
      fc.asyncProperty(
        payload,
        fc.array(fc.nat(1_500), { maxLength: 12 }),
        fc.boolean(),
        async (text, cuts, signed) => {
          const bytes = utf8(text);
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (signed) headers[HEADER] = `sha256=${hmacHex(SECRETS[1]!, bytes)}`;
          // Cut points anywhere, including inside a multi-byte character, and empty chunks.
          const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let at = 0;
          for (const p of [...points, bytes.length]) {
            chunks.push(bytes.subarray(at, p));
            at = p;
          }
          const stream = new ReadableStream<Uint8Array>({
            start(controller) {
              for (const c of chunks) controller.enqueue(new Uint8Array(c));
              controller.close();
            },
          });
          const viaFetch = await streamed.fetch(
            new Request("http://127.0.0.1/hooks", {
              method: "POST",
              headers,
              body: stream,
              duplex: "half",
            } as RequestInit),
            { remoteAddress: "127.0.0.1" },
          );
          const viaHandle = await whole.handle({
            method: "POST",
            headers,
            rawBody: bytes,
            remoteAddress: "127.0.0.1",
          });
          expect(viaFetch.status).toBe(viaHandle.status);
          expect(await viaFetch.text()).toBe(viaHandle.body);
          if (bytes.length > limit) expect(viaFetch.status).toBe(413);
        },
      ),
      fcParams("fetch chunking equivalence", 0x5eed_0004, 300),
    );
  });

  it("a correctly signed Stripe delivery is accepted iff its timestamp is within ±300 s of the receiver's clock", async () => {
    let now = 0;
    const receiver = createReceiver({
      provider: providers.stripe({ secret: SECRETS }),
      now: () => now,
      store: new MemoryStore(),
    });
    receiver.on("*" as never, () => {});
    let n = 0;
    const seen = { accepted: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1_700_000_000_000, max: 1_800_000_000_000 }),
        fc.oneof(fc.integer({ min: -302, max: 302 }), fc.integer({ min: -100_000, max: 100_000 })),
        fc.nat(SECRETS.length - 1),
        async (clock, offset, secret) => {
          now = clock;
          const t = Math.floor(clock / 1000) + offset;
          const body = JSON.stringify({
            id: `evt_${n++}`,
            object: "event",
            type: "x.y",
            created: t,
            livemode: false,
          });
          const signature = `t=${t},v1=${hmacHex(SECRETS[secret]!, `${t}.`, body)}`;
          const res = await receiver.handle({
            method: "POST",
            headers: { "stripe-signature": signature },
            rawBody: utf8(body),
          });
          const out = assertWellFormed(res);
          const inWindow = Math.abs(clock / 1000 - t) <= 300;
          if (inWindow) {
            expect(res.status).toBe(200);
            seen.accepted += 1;
          } else {
            expect(res.status).toBe(401);
            expect(out.error).toBe("timestamp_out_of_range");
            seen.refused += 1;
          }
        },
      ),
      fcParams("stripe timestamp window", 0x5eed_0005, 500),
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.refused).toBeGreaterThan(0);
  });
});

describe("fuzz: bodies over real HTTP in arbitrary chunks", () => {
  it("node:http and Express answer exactly as handle() on the whole bytes, however the body is chunked", async () => {
    const limit = 1_024;
    const make = () => acceptingReceiver(limit);
    const reference = make();
    const app = express();
    app.use(webhookMiddleware(make(), { path: "/hooks" }));
    const servers = [
      await listen(http.createServer(createNodeHandler(make(), { path: "/hooks" })), "/hooks"),
      await listen(http.createServer(app), "/hooks"),
    ];
    const post = (url: string, headers: Record<string, string>, chunks: Uint8Array[], declare: boolean) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const total = chunks.reduce((a, c) => a + c.length, 0);
        const req = http.request(url, {
          method: "POST",
          headers: declare ? { ...headers, "content-length": String(total) } : headers,
          agent: false,
        });
        req.on("response", (res) => {
          const parts: Buffer[] = [];
          res.on("data", (c: Buffer) => parts.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(parts).toString() }),
          );
        });
        req.on("error", reject);
        for (const c of chunks) if (c.length > 0) req.write(c);
        req.end();
      });
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.constant(null).map(() => jsonText(passportEvent("passport.published", { note: "é✓😀" }))),
            fc
              .string({ unit: "binary", maxLength: 1_200 })
              .map((s) => jsonText(passportEvent("passport.published", { s }))),
          ),
          fc.array(fc.nat(1_500), { maxLength: 6 }),
          fc.boolean(),
          fc.nat(1),
          async (text, cuts, declare, which) => {
            const bytes = utf8(text);
            const headers = {
              "content-type": "application/json",
              [HEADER]: `sha256=${hmacHex(SECRETS[0]!, bytes)}`,
            };
            const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
            const chunks: Uint8Array[] = [];
            let at = 0;
            for (const p of [...points, bytes.length]) {
              chunks.push(bytes.subarray(at, p));
              at = p;
            }
            const viaHttp = await post(servers[which]!.url, headers, chunks, declare);
            const viaHandle = await reference.handle({ method: "POST", headers, rawBody: bytes });
            // Every generated body is unique (passportEvent's timestamp): both sides see a first delivery.
            expect(viaHttp.status).toBe(viaHandle.status);
            expect(viaHttp.text).toBe(viaHandle.body);
            if (bytes.length > limit) expect(viaHttp.status).toBe(413);
          },
        ),
        fcParams("HTTP chunking equivalence", 0x5eed_0006, 60),
      );
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  });
});
