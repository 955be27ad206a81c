import { createHmac } from "node:crypto";
import {
  type Provider,
  providers,
  sign,
  timestampedHmacSignature,
  utf8Bytes,
  verify,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

// The documented window is inclusive: a timestamp exactly ±300 s from the server's clock is accepted, one
// millisecond further is refused with timestamp_out_of_range. Every timestamped scheme, at both edges.

const T = 1_774_000_000; // the signed timestamp, Unix seconds
const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY = '{"id":"evt_1","type":"invoice.paid","data":{"id":"in_1"}}';

const schemes: [string, Pick<Provider, "signature">, number][] = [
  ["providers.stripe (default ±300 s)", providers.stripe({ secret: SECRET }), 300],
  ["providers.standardWebhooks (default ±300 s)", providers.standardWebhooks({ secret: SECRET }), 300],
  [
    "timestampedHmacSignature (default ±300 s)",
    {
      signature: timestampedHmacSignature({
        header: "x-sig",
        timestamp: { header: "x-ts" },
        signedContent: ({ timestamp, body }) => [timestamp, ".", body],
        secret: SECRET,
      }),
    },
    300,
  ],
  [
    "providers.stripe ({ toleranceSeconds: 60 })",
    providers.stripe({ secret: SECRET, toleranceSeconds: 60 }),
    60,
  ],
];

describe("timestamp tolerance is inclusive at ±toleranceSeconds", () => {
  it.each(schemes)("%s", async (_, scheme, window) => {
    const signed = await sign(scheme, BODY, { timestamp: T, id: "msg_1" });
    const at = (offsetMs: number) =>
      verify(
        scheme,
        { method: "POST", headers: signed.headers, rawBody: utf8Bytes(BODY) },
        {
          now: T * 1000 + offsetMs,
        },
      );
    const edge = window * 1000;
    expect(await at(0)).toEqual({ ok: true });
    expect(await at(edge)).toEqual({ ok: true });
    expect(await at(-edge)).toEqual({ ok: true });
    expect(await at(edge + 1)).toMatchObject({ ok: false, code: "timestamp_out_of_range" });
    expect(await at(-edge - 1)).toMatchObject({ ok: false, code: "timestamp_out_of_range" });
  });
});

describe("the signed timestamp is 1–12 ASCII digits, nothing else", () => {
  const scheme = {
    signature: timestampedHmacSignature({
      header: "x-sig",
      timestamp: { header: "x-ts" },
      signedContent: ({ timestamp, body }) => [timestamp, ".", body],
      secret: SECRET,
    }),
  };
  /** A correct signature over whatever timestamp text the sender wrote. */
  const deliveryWith = (ts: string) => ({
    method: "POST",
    headers: { "x-ts": ts, "x-sig": createHmac("sha256", SECRET).update(`${ts}.${BODY}`).digest("hex") },
    rawBody: utf8Bytes(BODY),
  });

  it.each([
    ["a letter before", `x${T}`],
    ["a letter after", `${T}x`],
    ["14 digits", `${T}0000`],
    ["15 digits", `${T}00000`],
    ["17 digits", `${T}0000000`],
    ["exponent notation", "1.774e9"],
    ["a sign", `+${T}`],
    ["a negative number", "-5"],
    ["Infinity", "Infinity"],
    ["an empty value", ""],
  ])("refuses %s as invalid_signature, even correctly signed", async (_, ts) => {
    const outcome = await verify(scheme, deliveryWith(ts), { now: T * 1000 });
    expect(outcome).toMatchObject({ ok: false, code: "invalid_signature" });
  });

  it.each([
    ["13 digits (milliseconds)", `${T}000`, /milliseconds \(13 digits\)/],
    ["16 digits (microseconds)", `${T}000000`, /microseconds \(16 digits\)/],
  ])("refuses %s correctly signed as timestamp_out_of_range naming the unit", async (_, ts, message) => {
    const outcome = await verify(scheme, deliveryWith(ts), { now: T * 1000 });
    expect(outcome).toMatchObject({ ok: false, code: "timestamp_out_of_range", message });
  });

  it("accepts the same delivery with a plain timestamp of 1 to 12 digits", async () => {
    expect(await verify(scheme, deliveryWith(String(T)), { now: T * 1000 })).toEqual({ ok: true });
    expect(await verify(scheme, deliveryWith("1"), { now: 1000 })).toEqual({ ok: true });
    expect(await verify(scheme, deliveryWith("999999999999"), { now: 999_999_999_999_000 })).toEqual({
      ok: true,
    });
  });
});

describe("toleranceSeconds is validated", () => {
  it("refuses a negative or NaN window at configuration time, with invalid_config", () => {
    for (const toleranceSeconds of [-1, -0.5, Number.NaN]) {
      expect(() => providers.stripe({ secret: SECRET, toleranceSeconds }), String(toleranceSeconds)).toThrow(
        expect.objectContaining({
          code: "invalid_config",
          message: expect.stringMatching(/toleranceSeconds/),
        }),
      );
      expect(() => providers.standardWebhooks({ secret: SECRET, toleranceSeconds })).toThrow(
        expect.objectContaining({ code: "invalid_config" }),
      );
    }
  });

  it("0 accepts only the same second; Infinity turns the window off", async () => {
    const exact = providers.stripe({ secret: SECRET, toleranceSeconds: 0 });
    const signed = await sign(exact, BODY, { timestamp: T });
    const request = { method: "POST", headers: signed.headers, rawBody: utf8Bytes(BODY) };
    expect(await verify(exact, request, { now: T * 1000 })).toEqual({ ok: true });
    expect(await verify(exact, request, { now: T * 1000 + 1 })).toMatchObject({
      code: "timestamp_out_of_range",
    });
    const open = providers.stripe({ secret: SECRET, toleranceSeconds: Number.POSITIVE_INFINITY });
    expect(await verify(open, request, { now: (T + 10 * 365 * 86_400) * 1000 })).toEqual({ ok: true });
  });
});
