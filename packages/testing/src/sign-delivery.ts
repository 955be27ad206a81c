import { type Provider, sign } from "@webhook-kit/core";
import { deliveryIdFrom } from "./fresh.js";
import type { PlatformProfile, SignDeliveryOptions } from "./platforms/define.js";
import { profileFor } from "./platforms/index.js";

export interface SignedWebhook {
  /** Lower-case header names, as the platform sends them (content-type, user-agent, signature, …). */
  headers: Record<string, string>;
  /**
   * The exact bytes on the wire (for body-embedded schemes, with the signature inside). Backed by a plain
   * ArrayBuffer, so it is a `BodyInit`: `fetch(url, { method: "POST", headers, body })` compiles.
   */
  body: Uint8Array<ArrayBuffer>;
  /** The same bytes as UTF-8 text, for clients that want a string. */
  text: string;
}

export interface SignDeliveryInput extends SignDeliveryOptions {
  /** Override parts of the platform's profile (e.g. for a custom `defineProvider` platform). */
  platform?: Partial<PlatformProfile>;
}

type AnyProvider = Pick<Provider, "name" | "signature">;

const decoder = new TextDecoder();
const asObject = (payload: unknown): Readonly<Record<string, unknown>> =>
  payload !== null && typeof payload === "object" && !Array.isArray(payload)
    ? (payload as Record<string, unknown>)
    : {};

/** The profile for a provider, with the caller's overrides. */
export const resolveProfile = (
  provider: AnyProvider,
  override?: Partial<PlatformProfile>,
): PlatformProfile => ({
  ...profileFor(provider.name),
  ...override,
});

/**
 * Signs a payload exactly as the provider's platform sends it: the preset's own scheme computes the
 * signature (so test deliveries and verification can never drift), and the platform's other headers,
 * User-Agent and serialisation are added. A string or bytes payload is sent as it is.
 *
 * @example
 * const { headers, body } = await signDelivery(providers.eudr({ secret }), fixtures.eudr["supplier.created"]);
 * const res = await fetch("http://localhost:3000/webhooks/eudr", { method: "POST", headers, body });
 */
export async function signDelivery(
  provider: AnyProvider,
  payload: unknown,
  options: SignDeliveryInput = {},
): Promise<SignedWebhook> {
  const profile = resolveProfile(provider, options.platform);
  const id = options.id ?? newDeliveryId(provider.name);
  const raw =
    typeof payload === "string"
      ? payload
      : payload instanceof Uint8Array
        ? payload
        : profile.serialise(payload);
  const parsed =
    payload instanceof Uint8Array || typeof payload === "string" ? parseLoosely(raw) : asObject(payload);
  const signOptions: { id: string; timestamp?: number; secretIndex?: number } = { id };
  if (options.timestamp !== undefined) signOptions.timestamp = options.timestamp;
  if (options.secretIndex !== undefined) signOptions.secretIndex = options.secretIndex;
  const signed = await sign(provider, raw, signOptions);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "user-agent": profile.userAgent,
    ...profile.headers(parsed, { ...options, id }),
    ...signed.headers,
    ...lowerCaseKeys(options.headers ?? {}),
  };
  // A copy on its own ArrayBuffer: core's bytes may be a view of a shared or Node pool buffer.
  const body = new Uint8Array(signed.body);
  return { headers, body, text: decoder.decode(body) };
}

/**
 * A fresh delivery id in the platform's style (GitHub: a GUID; others: msg_…).
 *
 * @example
 * await signDelivery(provider, payload, { id: newDeliveryId(provider.name) });
 */
export function newDeliveryId(providerName: string): string {
  // A v4 UUID's 32 digits: GitHub's GUID style gives the UUID back.
  return deliveryIdFrom(providerName, globalThis.crypto.randomUUID().replaceAll("-", ""));
}

function parseLoosely(raw: string | Uint8Array): Readonly<Record<string, unknown>> {
  try {
    return asObject(JSON.parse(typeof raw === "string" ? raw : decoder.decode(raw)));
  } catch {
    return {};
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
