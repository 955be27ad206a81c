import {
  type AnyEvent,
  type eulabelEvents,
  providers,
  sign,
  utf8Bytes,
  verifyDelivery,
  WebhookError,
} from "@webhook-kit/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { passportEvent, SECRET } from "../support/deliveries.js";

const eulabel = () => providers.eulabel({ secret: SECRET });

describe("verifyDelivery(): one call, no receiver", () => {
  it("returns the typed, validated event for a genuine delivery (Node's header shapes accepted)", async () => {
    const signed = await sign(eulabel(), JSON.stringify(passportEvent("passport.published")));
    const headers = { ...signed.headers, "X-Forwarded-For": ["10.0.0.1", "10.0.0.2"] };
    const event = await verifyDelivery(eulabel(), signed.body, headers);
    expect(event).toMatchObject({ type: "passport.published", provider: "eulabel" });
    expect(event.id).toMatch(/^eulabel:passport\.published:[0-9a-f]{64}$/);
    expect(event.headers["x-forwarded-for"]).toBe("10.0.0.1, 10.0.0.2");
    // The same type a "*" handler gets: any known event of the preset, or a type it does not know.
    expectTypeOf(event).toEqualTypeOf<AnyEvent<typeof eulabelEvents>>();
    expect((event.payload as { compliance: { completeness: number } }).compliance.completeness).toBe(100);
  });

  it("throws a WebhookError with the stable code: forged, missing, bad schema, string body", async () => {
    const body = JSON.stringify(passportEvent("passport.published"));
    const signed = await sign(eulabel(), body);
    const forged = { ...signed.headers, "x-eulabel-signature": `sha256=${"ab".repeat(32)}` };
    await expect(verifyDelivery(eulabel(), signed.body, forged)).rejects.toMatchObject({
      code: "invalid_signature",
    });
    await expect(verifyDelivery(eulabel(), signed.body, {})).rejects.toMatchObject({
      code: "missing_signature",
    });
    const drifted = JSON.stringify({ ...passportEvent("passport.updated"), compliance: undefined });
    const driftedSigned = await sign(eulabel(), drifted);
    const error = await verifyDelivery(eulabel(), driftedSigned.body, driftedSigned.headers).catch((e) => e);
    expect(error).toBeInstanceOf(WebhookError);
    expect(error).toMatchObject({
      code: "invalid_payload",
      issues: [expect.objectContaining({ path: "compliance" })],
    });
    await expect(verifyDelivery(eulabel(), body as never, signed.headers)).rejects.toThrow(
      /raw body as bytes/,
    );
    expect(utf8Bytes(body)).toEqual(signed.body);
  });
});
