import type { Provider, providers } from "@webhook-kit/core";

export interface SignDeliveryOptions {
  /** Unix seconds for schemes that sign a timestamp (Stripe, Standard Webhooks). Default: now. */
  timestamp?: number;
  /** The message / delivery id (Standard Webhooks `webhook-id`, GitHub `X-GitHub-Delivery`). Default: random. */
  id?: string;
  /** GitHub's X-GitHub-Event (`issues` or `issues.opened`); other platforms read the type from the payload. */
  event?: string;
  /** The endpoint / hook id some platforms send (EUDR and generic `X-Webhook-Id`, GitHub `X-GitHub-Hook-Id`). */
  webhookId?: string;
  /** Which configured secret signs (rotation tests). Default 0. */
  secretIndex?: number;
  /** Extra or overriding headers, applied last. */
  headers?: Record<string, string>;
}

/** How a platform puts a delivery on the wire besides its signature (which the preset's own scheme computes). */
export interface PlatformProfile {
  /** The User-Agent the platform sends. */
  userAgent: string;
  /** The payload's bytes as the platform writes them. */
  serialise(payload: unknown): string;
  /** Headers besides content-type, user-agent and the signature. */
  headers(
    payload: Readonly<Record<string, unknown>>,
    options: SignDeliveryOptions & { id: string },
  ): Record<string, string>;
  /**
   * Delay before each attempt (ms), the first 0 — only where the provider's definition states no
   * `retrySchedule` (an assumption for a platform that publishes none, or a custom module's own).
   */
  retrySchedule?: readonly number[];
  /** Whether every attempt is signed anew with a fresh timestamp (the id stays). */
  resignEachAttempt: boolean;
}

export type Json = Record<string, unknown>;
export type Fixtures = Readonly<Record<string, object>>;
/** A core preset's key in `providers`. */
export type PresetKey = keyof typeof providers;

/** Everything testing and the CLI know about one platform: the registry entry, keyed by the provider's name. */
export interface TestPlatform<
  Name extends string = string,
  Preset extends PresetKey = PresetKey,
  F extends Fixtures = Fixtures,
> extends PlatformProfile {
  /** The provider's `name`: the registry key and what `--provider` takes. */
  name: Name;
  /** The core preset it tests: `providers[preset]`. */
  preset: Preset;
  /** How the CLI builds it from `--secret`. */
  create(secret: string): Provider;
  /** How the CLI builds it from `--private-key` (whsk_…), for platforms that can sign with Ed25519. */
  createSigning?(privateKey: string): Provider;
  /** Example payloads, keyed by the event type the preset routes them as. */
  fixtures: F;
  /**
   * The platform's verification requests (Slack `url_verification`, Zoom `endpoint.url_validation`, Discord
   * `PING`), as its documents show them: signed like any delivery, answered by the receiver, never routed.
   */
  handshakes?: Fixtures;
  /** A copy of a payload the receiver sees as a new event: what the platform makes new for every event. */
  fresh(payload: Json, now: number): Json;
  /** A delivery id in the platform's format, made from 32 hex digits. */
  deliveryId(hex: string): string;
  /**
   * Which of the preset's sender facts are this kit's assumption, not the platform's documentation (core's
   * `providers/*.ts` comments say why): `webhook-kit providers` marks them "(assumed)". A `retrySchedule`
   * stated here is always one.
   */
  assumed?: { timeoutMs?: boolean; retrySchedule?: boolean };
}

/** A platform as written in its file: wire details left out are the common ones (compact JSON, no extra headers). */
export type PlatformInput<Name extends string, Preset extends PresetKey, F extends Fixtures> = Omit<
  TestPlatform<Name, Preset, F>,
  "serialise" | "headers" | "resignEachAttempt" | "deliveryId"
> &
  Partial<Pick<TestPlatform, "serialise" | "headers" | "resignEachAttempt" | "deliveryId">>;

export const compact = (payload: unknown): string => JSON.stringify(payload);
/** `msg_<hex>`: the delivery id style of every platform without its own. */
export const messageId = (hex: string): string => `msg_${hex}`;

/**
 * A header with the first non-empty string among `values`, or none: platforms omit what they do not know
 * rather than send it empty.
 */
export function present(name: string, ...values: unknown[]): Record<string, string> {
  const value = values.find((v): v is string => typeof v === "string" && v !== "");
  return value === undefined ? {} : { [name]: value };
}

/** Used for platforms this kit has no entry for (custom `defineProvider` providers). */
export const defaultProfile: PlatformProfile = {
  userAgent: "webhook-kit-testing/0.1",
  serialise: compact,
  headers: () => ({}),
  resignEachAttempt: false,
};

/**
 * One platform's testing facts: its file is the only place they are written. Register it in
 * `platforms/index.ts`; the CLI, `fixtures`, `freshPayload` and `sendDelivery` read it from there.
 *
 * @example
 * export const acme = definePlatform({
 *   name: "acme",
 *   preset: "generic",
 *   create: (secret) => providers.generic({ secret }),
 *   userAgent: "Acme-Webhooks/1.0",
 *   fixtures: { "user.created": { id: "evt_1", type: "user.created", created_at: "…", data: { id: "u1" } } },
 *   fresh: (payload, now) => ({ ...payload, created_at: new Date(now).toISOString() }),
 * });
 */
export function definePlatform<const Name extends string, const Preset extends PresetKey, F extends Fixtures>(
  platform: PlatformInput<Name, Preset, F>,
): TestPlatform<Name, Preset, F> {
  return {
    serialise: compact,
    headers: () => ({}),
    resignEachAttempt: false,
    deliveryId: messageId,
    ...platform,
  };
}
