import {
  type EventSchemas,
  hmacSignature,
  isWebhookError,
  type Provider,
  type Receiver,
  sign,
  type WebhookRequest,
} from "@webhook-kit/core";
import { vi } from "vitest";

export const SECRET = "whsec_preset_test_secret_never_logged";

/** The smallest valid custom provider definition, for tests that break one part of it at a time. */
export const acmeDefinition = {
  name: "acme",
  signature: hmacSignature({ header: "x-acme-signature", prefix: "sha256=", secret: SECRET }),
  events: {},
  eventType: () => "ping",
  idempotencyKey: () => "k",
};

/** The WebhookError `build` throws, as code and message; anything else thrown, or nothing, fails the test. */
export function refusal(build: () => unknown): { code: string; message: string } {
  try {
    build();
  } catch (error) {
    if (isWebhookError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("accepted");
}

export interface Wire {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** Signs bytes with the preset's own scheme and adds the platform's other headers. */
export async function signed(
  provider: Pick<Provider, "signature">,
  payload: unknown,
  options: { headers?: Record<string, string>; timestamp?: number; id?: string; secretIndex?: number } = {},
): Promise<Wire> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const { headers: extra, ...signOptions } = options;
  const out = await sign(provider, body, signOptions);
  return { headers: { "content-type": "application/json", ...extra, ...out.headers }, body: out.body };
}

export const request = (wire: Wire, extra: Partial<WebhookRequest> = {}): WebhookRequest => ({
  method: "POST",
  headers: wire.headers,
  rawBody: wire.body,
  remoteAddress: "127.0.0.1",
  ...extra,
});

/** Records every event a receiver hands to its "*" handler. */
export function recordAll<E extends EventSchemas>(receiver: Receiver<E>) {
  const seen = vi.fn<(event: { id: string; type: string; payload: unknown }) => void>();
  receiver.on("*", (event) => seen(event));
  return seen;
}

export const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
