import { discord } from "./discord.js";
import { eudr } from "./eudr.js";
import { eulabel } from "./eulabel.js";
import { eulabelInbound } from "./eulabel-inbound.js";
import { generic } from "./generic.js";
import { github } from "./github.js";
import { shipping } from "./shipping.js";
import { slack } from "./slack.js";
import { standardWebhooks } from "./standard-webhooks.js";
import { stripe } from "./stripe.js";
import { zoom } from "./zoom.js";

/** Presets: name your platform and be done. */
export const providers = {
  eulabel,
  eulabelInbound,
  eudr,
  generic,
  shipping,
  standardWebhooks,
  github,
  stripe,
  slack,
  discord,
  zoom,
};

export type { DiscordOptions } from "./discord.js";
export type { EudrEvent, EudrOptions, EudrSupplierData } from "./eudr.js";
export { eudrEvents, eudrSupplierData } from "./eudr.js";
export type {
  EulabelCompliance,
  EulabelOptions,
  EulabelPassportDeletedEvent,
  EulabelPassportEvent,
  EulabelScanThresholdEvent,
} from "./eulabel.js";
export { eulabelCompliance, eulabelEvents } from "./eulabel.js";
export type { EulabelInboundItem, EulabelInboundOptions } from "./eulabel-inbound.js";
export { eulabelInboundEvents } from "./eulabel-inbound.js";
export type {
  GenericEvent,
  GenericOptions,
  GenericProject,
  GenericTeamMember,
  GenericUser,
} from "./generic.js";
export { genericEvents } from "./generic.js";
export type {
  GithubOptions,
  GithubPing,
  GithubProviderEvents,
  GithubRouting,
} from "./github.js";
export { githubEvents } from "./github.js";
export type { GithubActionPayloads, GithubEventPayloads, GithubEvents } from "./github-events.js";
export { retentionForSchedule } from "./retention.js";
export type { IdempotencyKeyFn } from "./shared.js";
export type { ShippingEvent, ShippingOptions, ShippingShipment, ShippingUser } from "./shipping.js";
export { shippingEvents } from "./shipping.js";
export type { SlackOptions } from "./slack.js";
export type { StandardWebhooksOptions } from "./standard-webhooks.js";
export { STANDARD_WEBHOOKS_UNTYPED } from "./standard-webhooks.js";
export type { StripeEventEnvelope, StripeEventPayloads, StripeOptions } from "./stripe.js";
export { stripeEvent, stripeEvents } from "./stripe.js";
export type { ZoomOptions } from "./zoom.js";
