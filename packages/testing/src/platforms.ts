/**
 * How each platform puts a delivery on the wire besides its signature (which the preset's own scheme
 * computes): User-Agent, extra headers, body serialisation and the documented retry schedule.
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

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
  /** Delay before each attempt, in ms; the first is 0. */
  retrySchedule: readonly number[];
  /** Whether every attempt is signed anew with a fresh timestamp (the id stays). */
  resignEachAttempt: boolean;
}

const compact = (payload: unknown) => JSON.stringify(payload);
const text = (value: unknown): string | undefined =>
  typeof value === "string" && value !== "" ? value : undefined;
/** A header only when there is a value: platforms omit what they do not know rather than send it empty. */
const present = (name: string, value: string | undefined): Record<string, string> =>
  value ? { [name]: value } : {};

/** Used for platforms this kit has no profile for (custom `defineProvider` providers). */
export const defaultProfile: PlatformProfile = {
  userAgent: "webhook-kit-testing/0.1",
  serialise: compact,
  headers: () => ({}),
  retrySchedule: [0],
  resignEachAttempt: false,
};

const standardWebhooksProfile: PlatformProfile = {
  userAgent: "Svix-Webhooks/1.0 (webhook-kit testing)",
  serialise: compact,
  // webhook-id / -timestamp / -signature come from the scheme's sign().
  headers: () => ({}),
  // Svix's published schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
  retrySchedule: [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
  resignEachAttempt: true,
};

/** Profiles by provider name (the `name` of each preset). */
export const platforms: Readonly<Record<string, PlatformProfile>> = {
  eulabel: {
    // EUlabel's docs name no User-Agent; this one is labelled as a test sender.
    userAgent: "EUlabel-Webhooks/1.0 (webhook-kit testing)",
    serialise: compact,
    headers: () => ({}),
    retrySchedule: [0, 30 * SECOND, 2 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR],
    resignEachAttempt: false,
  },
  "eulabel-inbound": {
    userAgent: "webhook-kit-testing/0.1 (PIM/CMS push)",
    serialise: compact,
    headers: (payload) => present("x-webhook-event", text(payload.event) ?? text(payload.type)),
    // Undocumented for inbound pushes; EUlabel's own schedule is the closest published one.
    retrySchedule: [0, 30 * SECOND, 2 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR],
    resignEachAttempt: false,
  },
  eudr: {
    userAgent: "EUDR-Platform-Webhook/1.0",
    serialise: compact,
    headers: (payload, options) => ({
      ...present("x-webhook-event", text(payload.event)),
      // The endpoint's id, identical on every delivery to it.
      "x-webhook-id": options.webhookId ?? "wh_abc123",
      "x-webhook-timestamp": text(payload.timestamp) ?? new Date().toISOString(),
    }),
    retrySchedule: [0, SECOND, 5 * SECOND, 30 * SECOND],
    resignEachAttempt: false,
  },
  generic: {
    userAgent: "ExampleAPI-Webhooks/1.0",
    serialise: compact,
    headers: (payload, options) => ({
      // The webhook's id, the same on every event (per the X-Webhook-* guide).
      "x-webhook-id": options.webhookId ?? "wh_123456",
      ...present("x-webhook-event", text(payload.type)),
    }),
    retrySchedule: [0, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR, 6 * HOUR],
    resignEachAttempt: false,
  },
  shipping: {
    userAgent: "webhook-kit-testing/0.1 (shipping API)",
    serialise: compact,
    headers: () => ({}),
    // "Several times with exponential backoff": an assumed doubling from 1 min.
    retrySchedule: [0, MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE],
    resignEachAttempt: false,
  },
  "standard-webhooks": standardWebhooksProfile,
  svix: standardWebhooksProfile,
  github: {
    userAgent: "GitHub-Hookshot/webhook-kit",
    serialise: compact,
    headers: (payload, options) => ({
      "x-github-event": githubEvent(payload, options.event),
      "x-github-delivery": options.id,
      "x-github-hook-id": options.webhookId ?? "1",
    }),
    // GitHub does not retry failed deliveries by itself; redelivery is manual.
    retrySchedule: [0],
    resignEachAttempt: false,
  },
  stripe: {
    userAgent: "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
    // Stripe sends indented JSON with a trailing newline.
    serialise: (payload) => `${JSON.stringify(payload, null, 2)}\n`,
    headers: () => ({}),
    // Live mode retries with backoff for up to 3 days; an approximation of that span.
    retrySchedule: [0, HOUR, 2 * HOUR, 4 * HOUR, 8 * HOUR, 16 * HOUR, 24 * HOUR, 24 * HOUR],
    resignEachAttempt: true,
  },
};

/** X-GitHub-Event from `issues.opened` / `issues`, or "ping" for a ping payload. */
function githubEvent(payload: Readonly<Record<string, unknown>>, event: string | undefined): string {
  if (event) return event.split(".")[0] ?? event;
  if (typeof payload.zen === "string") return "ping";
  throw new TypeError(
    'GitHub deliveries need options.event (the X-GitHub-Event header), e.g. { event: "issues" }.',
  );
}

/**
 * The profile of a provider by its `name`; the neutral default for custom providers.
 *
 * @example
 * profileFor("eudr").retrySchedule; // [0, 1000, 5000, 30000]
 */
export const profileFor = (providerName: string): PlatformProfile =>
  platforms[providerName] ?? defaultProfile;
