import { eudr } from "./eudr.js";
import { eulabel } from "./eulabel.js";
import { eulabelInbound } from "./eulabel-inbound.js";
import { generic } from "./generic.js";
import { github } from "./github.js";
import { shipping } from "./shipping.js";
import { standardWebhooks } from "./standard-webhooks.js";
import { stripe } from "./stripe.js";

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
};

export type { EudrOptions } from "./eudr.js";
export { eudrEvents, eudrSupplierData } from "./eudr.js";
export type { EulabelOptions } from "./eulabel.js";
export { eulabelCompliance, eulabelEvents } from "./eulabel.js";
export type { EulabelInboundOptions } from "./eulabel-inbound.js";
export { eulabelInboundEvents } from "./eulabel-inbound.js";
export type { GenericOptions } from "./generic.js";
export { genericEvents } from "./generic.js";
export type { GithubOptions } from "./github.js";
export { githubEvents } from "./github.js";
export { type IdempotencyKeyFn, retentionForSchedule } from "./shared.js";
export type { ShippingOptions } from "./shipping.js";
export { shippingEvents } from "./shipping.js";
export type { StandardWebhooksOptions } from "./standard-webhooks.js";
export type { StripeOptions } from "./stripe.js";
export { stripeEvent } from "./stripe.js";
