export {
  type CloudEventsValidationOptions,
  cloudEventsValidation,
  withHandshake,
} from "./cloud-events.js";
export { type CryptoProvider, defaultCrypto, nodeCrypto, webCrypto } from "./crypto.js";
export { utf8 as utf8Bytes } from "./encoding.js";
export {
  ERROR_CODES,
  type ErrorCode,
  isWebhookError,
  type PayloadIssue,
  WebhookError,
} from "./errors.js";
export type { AnyEvent, EventName, EventOf, Handler, PayloadOf, WebhookEvent } from "./events.js";
export type { Handshake, HandshakeDelivery, HandshakeHead, HandshakeInput } from "./handshake.js";
export type {
  HealthCheck,
  HealthError,
  HealthOptions,
  ReceiverHealth,
  WorkerHealth,
} from "./health.js";
// @webhook-kit/bullmq sizes its completed-job retention from the receiver's default.
export { type AckMode, DEFAULT_RETENTION_MS, type ReceiverOptions } from "./options.js";
export type { EntityVersionDeclaration, OrderingOptions, StaleInfo } from "./ordering/types.js";
export { comparableVersion } from "./ordering/version.js";
export type { BodyReader } from "./pipeline.js";
export {
  asString,
  type DeliveryContext,
  defineProvider,
  type EventSchemas,
  type JsonObject,
  type PayloadSchema,
  type Provider,
  type ProviderDefinition,
  readField,
  type TypedEvents,
  type WithEvents,
} from "./providers/define.js";
export * from "./providers/index.js";
export { MemoryQueue, type MemoryQueueOptions } from "./queue/memory.js";
export type {
  ConsumeOptions,
  DeadLetter,
  DeadLetterReason,
  DeliveryQueue,
  JobContext,
  JobOutcome,
  JobProcessor,
  QueueConsumer,
  QueuedDelivery,
  QueuedTrace,
  QueueJob,
  QueueReport,
  QueueStatus,
  RateLimit,
} from "./queue/types.js";
export {
  createReceiver,
  type HandlerOptions,
  type Receiver,
  type ReceiverCore,
} from "./receiver.js";
export { type Acknowledgement, type AckOutcome, OUTCOME_HEADER } from "./response.js";
// Pure: the Node adapters reach it through core/node, the App Router (Edge too) through here.
export { routeParams } from "./route-params.js";
export {
  type BodyFieldSignatureOptions,
  bodyFieldSignature,
  bodyWithoutField,
  type SignedContentFn,
} from "./signature/body-field.js";
export type { DigestEncoding, HmacAlgorithm } from "./signature/digest.js";
export {
  type Ed25519SignatureOptions,
  type Ed25519SignedParts,
  ed25519Signature,
} from "./signature/ed25519.js";
export type { Ed25519KeyInput } from "./signature/ed25519-keys.js";
export type { Ed25519KeyOptions } from "./signature/ed25519-ring.js";
export { sign, verify } from "./signature/helpers.js";
export { type HmacSignatureOptions, hmacSignature } from "./signature/hmac.js";
export type {
  SignatureFailure,
  SignatureScheme,
  SignedDelivery,
  SignInput,
  Verified,
  VerifyContext,
  VerifyOutcome,
} from "./signature/scheme.js";
export type {
  DeliveryHead,
  SecretEncoding,
  SecretHead,
  SecretInput,
  SecretLookup,
  SecretSource,
} from "./signature/secrets.js";
export {
  type StandardWebhooksHeaders,
  type StandardWebhooksSignatureOptions,
  standardWebhooksSignature,
} from "./signature/standard-webhooks.js";
export {
  type TimestampedHmacSignatureOptions,
  type TimestampedParts,
  timestampedHmacSignature,
} from "./signature/timestamped.js";
export { MemoryStore, type MemoryStoreOptions } from "./store/memory.js";
export type {
  CallDeadline,
  ClaimResult,
  IdempotencyStore,
  VersionAdvance,
  VersionStore,
} from "./store/types.js";
export { hasVersions } from "./store/types.js";
export type { MeterProviderLike, TelemetryOptions, TracerProviderLike } from "./telemetry/types.js";
export type { Logger, WebhookRequest, WebhookRequestHead, WebhookResponse } from "./types.js";
export { type VerifyDeliveryOptions, verifyDelivery } from "./verify-delivery.js";
export type { DeliveryWorker, WorkOptions } from "./worker.js";
