export { fixtures, fixturesByProvider } from "./fixtures.js";
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
