import type { PlatformProfile, TestPlatform } from "./define.js";
import { defaultProfile } from "./define.js";
import { discord, discordHandshakes } from "./discord.js";
import { eudr } from "./eudr.js";
import { eulabel } from "./eulabel.js";
import { eulabelInbound } from "./eulabel-inbound.js";
import { generic } from "./generic.js";
import { github } from "./github.js";
import { shipping } from "./shipping.js";
import { slack, slackHandshakes } from "./slack.js";
import { standardWebhooks, svix } from "./standard-webhooks.js";
import { stripe } from "./stripe.js";
import { zoom, zoomHandshakes } from "./zoom.js";

/** Every platform this kit sends as; a new one is its own file plus its line here. */
const all = [
  eulabel,
  eulabelInbound,
  eudr,
  generic,
  shipping,
  standardWebhooks,
  svix,
  github,
  stripe,
  slack,
  discord,
  zoom,
] as const;
type Platform = (typeof all)[number];

/**
 * The registry: every platform by its provider's `name` — what `--provider` takes and what `signDelivery`,
 * `sendDelivery` and `freshPayload` look up. Each entry holds the platform's wire details, its CLI
 * construction, its fixtures and what it makes new per event.
 *
 * @example
 * platforms.eudr.userAgent; // "EUDR-Platform-Webhook/1.0"
 * Object.keys(platforms); // ["eulabel", "eulabel-inbound", "eudr", …]
 */
export const platforms = Object.fromEntries(all.map((platform) => [platform.name, platform])) as {
  readonly [P in Platform as P["name"]]: P;
};

/**
 * Example payloads per core preset (`fixtures.eudr`, `fixtures.eulabelInbound`), keyed by the event type as
 * the preset routes it: one for every event each preset declares, plus common ones for the presets that
 * route any type (GitHub, Stripe, Standard Webhooks). Fixed values: `freshPayload` gives a new event.
 *
 * @example
 * await signDelivery(providers.eudr({ secret }), fixtures.eudr["supplier.created"]);
 */
export const fixtures = Object.fromEntries(all.map((platform) => [platform.preset, platform.fixtures])) as {
  readonly [P in Platform as P["preset"]]: P["fixtures"];
};

/**
 * The registry's entry for a provider name, if it has one (custom providers have none).
 *
 * @example
 * platformFor("github")?.deliveryId("0123456789abcdef0123456789abcdef"); // a GUID
 */
export function platformFor(providerName: string): TestPlatform | undefined {
  return Object.hasOwn(platforms, providerName)
    ? (platforms as Readonly<Record<string, TestPlatform>>)[providerName]
    : undefined;
}

/**
 * How a provider's platform sends, by its `name`; the neutral default for custom providers.
 *
 * @example
 * profileFor("stripe").resignEachAttempt; // true
 */
export const profileFor = (providerName: string): PlatformProfile =>
  platformFor(providerName) ?? defaultProfile;

/**
 * The platforms' verification requests as their documents show them, by preset: sign and send them like
 * any delivery (`signDelivery`), and the receiver answers them itself.
 *
 * @example
 * const wire = await signDelivery(providers.slack({ secret }), handshakes.slack.url_verification);
 */
export const handshakes = {
  slack: slackHandshakes,
  discord: discordHandshakes,
  zoom: zoomHandshakes,
} as const;
