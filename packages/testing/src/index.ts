export { fixtures, fixturesByProvider } from "./fixtures/index.js";
export { type FreshOptions, freshPayload, stableDeliveryId } from "./fresh.js";
export { describeNetworkError } from "./network-error.js";
export { type DeliveryOutcome, deliveryOutcome } from "./outcome.js";
export {
  defaultProfile,
  type PlatformProfile,
  platforms,
  profileFor,
  type SignDeliveryOptions,
} from "./platforms.js";
export {
  type DeliveryAttempt,
  type DeliveryResult,
  type SendDeliveryOptions,
  sendDelivery,
} from "./send-delivery.js";
export { newDeliveryId, type SignDeliveryInput, type SignedWebhook, signDelivery } from "./sign-delivery.js";
