export { type CryptoProvider, constantTimeEqual, defaultCrypto, nodeCrypto, webCrypto } from "./crypto.js";
export { fromBase64, fromHex, toBase64, toHex, utf8 as utf8Bytes } from "./encoding.js";
export {
  ERROR_CODES,
  type ErrorCode,
  isWebhookError,
  type PayloadIssue,
  STORE_RETRY_AFTER_SECONDS,
  WebhookError,
} from "./errors.js";
export type { AnyEvent, EventName, EventOf, Handler, PayloadOf, WebhookEvent } from "./events.js";
export {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_BODY_BYTES,
  DEFAULT_RETENTION_MS,
  DEFAULT_STORE_TIMEOUT_MS,
  deadlineFromTimeout,
} from "./limits.js";
export { consoleLogger } from "./logger.js";
export type { AckMode, ReceiverOptions } from "./options.js";
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
} from "./provider.js";
export * from "./providers/index.js";
export { MemoryQueue, type MemoryQueueOptions } from "./queue/memory.js";
export type {
  ConsumeOptions,
  DeadLetter,
  DeliveryQueue,
  JobContext,
  JobOutcome,
  JobProcessor,
  QueueConsumer,
  QueuedDelivery,
  QueueJob,
} from "./queue/types.js";
export {
  createReceiver,
  type HandlerOptions,
  type Receiver,
  type ReceiverCore,
} from "./receiver.js";
export { type Acknowledgement, acknowledge, errorResponse, jsonResponse } from "./response.js";
export {
  type BodyFieldSignatureOptions,
  bodyFieldSignature,
  bodyWithoutField,
  type SignedContentFn,
} from "./signature/body-field.js";
export type { DigestEncoding, HmacAlgorithm } from "./signature/digest.js";
export { parseKeyValueList } from "./signature/header-list.js";
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
export { encodeSecrets, type SecretEncoding, type SecretInput } from "./signature/secrets.js";
export {
  type StandardWebhooksHeaders,
  type StandardWebhooksSignatureOptions,
  standardWebhookHeaders,
  standardWebhooksSignature,
} from "./signature/standard-webhooks.js";
export {
  type TimestampedHmacSignatureOptions,
  type TimestampedParts,
  timestampedHmacSignature,
} from "./signature/timestamped.js";
export { MemoryStore, type MemoryStoreOptions } from "./store/memory.js";
export type { CallDeadline, ClaimResult, IdempotencyStore } from "./store/types.js";
export type { Logger, WebhookRequest, WebhookRequestHead, WebhookResponse } from "./types.js";
export { type VerifyDeliveryOptions, verifyDelivery } from "./verify-delivery.js";
export { headersToRecord, readWebBody } from "./web/body.js";
export { attemptsToSpan, type DeliveryWorker, type WorkOptions } from "./worker.js";
