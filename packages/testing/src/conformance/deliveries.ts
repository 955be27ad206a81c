import { providers, sign } from "@webhook-kit/core";

export const SECRET = "whsec_test_secret_do_not_log_me";
export const eulabel = (secret: string | string[] = SECRET) => providers.eulabel({ secret });

let counter = 0;

/** A passport event as EUlabel sends it (seed 001), unique per call unless `overrides` pin it. */
export function passportEvent(event = "passport.published", overrides: Record<string, unknown> = {}) {
  counter += 1;
  return {
    event,
    id: "ps_w9x2kf",
    gtin: "05601234567890",
    timestamp: new Date(Date.UTC(2026, 2, 25, 10, 0, counter)).toISOString(),
    compliance: {
      status: event === "passport.published" ? "compliant" : "incomplete",
      regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
      completeness: event === "passport.published" ? 100 : 20,
      missingFields: [],
      documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
    },
    version: 2,
    passportUrl: "https://eulabel.eu/01/05601234567890",
    ...overrides,
  };
}

/** Signed bytes + headers exactly as EUlabel would send them. */
export async function signedDelivery(payload: unknown, secret: string = SECRET) {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const signed = await sign(eulabel(secret), body);
  return {
    body: signed.body,
    headers: { "content-type": "application/json", ...signed.headers },
  };
}
