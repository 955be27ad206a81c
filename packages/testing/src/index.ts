export { type FreshOptions, freshPayload, stableDeliveryId } from "./fresh.js";
export { type Ed25519KeyPair, generateEd25519Keys } from "./keys.js";
export { describeNetworkError } from "./network-error.js";
export { type DeliveryOutcome, deliveryOutcome } from "./outcome.js";
export {
  defaultProfile,
  type PlatformProfile,
  type SignDeliveryOptions,
  type TestPlatform,
} from "./platforms/define.js";
export { discordTestKeys } from "./platforms/discord.js";
export { fixtures, handshakes, platformFor, platforms, profileFor } from "./platforms/index.js";
export {
  type DeliveryAttempt,
  type DeliveryResult,
  type SendDeliveryOptions,
  sendDelivery,
} from "./send-delivery.js";
export { newDeliveryId, type SignDeliveryInput, type SignedWebhook, signDelivery } from "./sign-delivery.js";
