import {
  bodyFieldSignature,
  createReceiver,
  defineProvider,
  sign,
  timestampedHmacSignature,
  utf8Bytes,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { json, recordAll, request } from "./support.js";

const NOW = 1_531_420_618;

/** A Slack-style platform described entirely by the user: header, prefix, signed content, tolerance. */
const slackLike = (toleranceSeconds = 300) =>
  defineProvider({
    name: "slack-like",
    signature: timestampedHmacSignature({
      header: "x-slack-signature",
      prefix: "v0=",
      timestamp: { header: "x-slack-request-timestamp" },
      signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
      toleranceSeconds,
      secret: "8f742231b10e8888abcd99yyyzzz85a5",
    }),
    events: {
      app_mention: z.looseObject({ event_id: z.string(), event: z.looseObject({ type: z.string() }) }),
    },
    eventType: ({ body }) => (body.event as { type?: string } | undefined)?.type,
    idempotencyKey: ({ body }) => (typeof body.event_id === "string" ? body.event_id : undefined),
    timeoutMs: 3_000,
  });

const mention = (id: string) => ({ event_id: id, event: { type: "app_mention", text: "hi" } });

describe("defineProvider + the generic builders", () => {
  it("a timestamped custom scheme runs through the receiver: typed, deduped, replay-protected", async () => {
    const provider = slackLike();
    const receiver = createReceiver({ provider, now: () => NOW * 1000 });
    const seen = recordAll(receiver);
    const a = await sign(provider, JSON.stringify(mention("Ev1")), { timestamp: NOW });
    const b = await sign(provider, JSON.stringify(mention("Ev2")), { timestamp: NOW });
    for (const wire of [a, b]) expect((await receiver.handle(request(wire))).status).toBe(200);
    const retry = await sign(provider, JSON.stringify(mention("Ev1")), { timestamp: NOW + 10 });
    expect(json((await receiver.handle(request(retry))).body)).toMatchObject({ duplicate: true });
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual(["slack-like:Ev1", "slack-like:Ev2"]);
    const old = await sign(provider, JSON.stringify(mention("Ev3")), { timestamp: NOW - 301 });
    expect(json((await receiver.handle(request(old))).body).error).toBe("timestamp_out_of_range");
    expect(receiver.ackDeadlineMs).toBe(1_000);
  });

  it("a body-embedded custom scheme: another field name, base64, sha512", async () => {
    const provider = defineProvider({
      name: "embedded",
      signature: bodyFieldSignature({ field: "sig", encoding: "base64", algorithm: "sha512", secret: "k" }),
      events: { ping: z.looseObject({ n: z.number() }) },
      eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
      idempotencyKey: async ({ rawBody, sha256Hex }) => sha256Hex(rawBody),
    });
    const wire = await sign(provider, '{"type":"ping","n":1}');
    expect(new TextDecoder().decode(wire.body)).toMatch(
      /^\{"type":"ping","n":1,"sig":"[A-Za-z0-9+/]{86}=="\}$/,
    );
    const receiver = createReceiver({ provider });
    expect((await receiver.handle(request(wire))).status).toBe(200);
    const forged = new TextDecoder().decode(wire.body).replace('"n":1', '"n":2');
    expect((await receiver.handle(request({ headers: {}, body: utf8Bytes(forged) }))).status).toBe(401);
  });
});

describe("defineProvider: retention from the sender's retry schedule", () => {
  const base = { ...slackLike(), kind: undefined };
  it("derives retentionMs from retrySchedule and timeoutMs: the last attempt's end + a quarter, ≥ 10 min", () => {
    // 3 attempts of up to 3 s after 0 + 1 min + 10 min end at 11 min 9 s; + 10 min margin → 22 min (rounded up).
    const provider = defineProvider({ ...base, retrySchedule: [0, 60_000, 600_000] });
    expect(provider.retentionMs).toBe(22 * 60_000);
    const long = defineProvider({ ...base, retrySchedule: [0, 4 * 3_600_000] });
    // 4 h 0 min 6 s + a quarter (1 h 0 min 1.5 s) → 5 h 1 min.
    expect(long.retentionMs).toBe((5 * 60 + 1) * 60_000);
  });

  it("an explicit retentionMs wins, and no schedule leaves it to the receiver's default", () => {
    expect(defineProvider({ ...base, retrySchedule: [0, 60_000], retentionMs: 1_000 }).retentionMs).toBe(
      1_000,
    );
    expect(defineProvider(base).retentionMs).toBeUndefined();
  });
});
