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
