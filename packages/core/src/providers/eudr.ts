import { z } from "zod/v4";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretSource } from "../signature/secrets.js";
import { defineProvider, type PayloadSchema, type Provider } from "./define.js";
import { bodyHashKey, type IdempotencyKeyFn, SECOND, signedType } from "./shared.js";

/** The supplier reference both N'entropy supplier events carry (N'entropy's webhooks docs). Unknown fields are kept. */
export interface EudrSupplierData {
  /** Your system's id for the supplier (e.g. "VENDOR-001"). */
  externalId: string;
  /** N'entropy's id for it. */
  internalId: string;
  [field: string]: unknown;
}

/** "Every webhook delivery includes" these four fields (N'entropy's webhooks docs). Unknown fields are kept. */
export interface EudrEvent<D> {
  event: string;
  /** ISO time of the event: repeated unchanged by retries. */
  timestamp: string;
  integrationId: string;
  data: D;
  [field: string]: unknown;
}

const supplierData = z.looseObject({
  /** Your system's id for the supplier (e.g. "VENDOR-001"). */
  externalId: z.string(),
  /** N'entropy's id for it. */
  internalId: z.string(),
});

/** "Every webhook delivery includes" these four fields (N'entropy's webhooks docs). */
const envelope = <D extends z.ZodType>(data: D) =>
  z.looseObject({
    event: z.string(),
    /** ISO time of the event: repeated unchanged by retries. */
    timestamp: z.string(),
    integrationId: z.string(),
    data,
  });

/** The supplier reference's validator, for your own schemas. */
export const eudrSupplierData: PayloadSchema<EudrSupplierData> = supplierData;

export const eudrEvents: {
  "supplier.created": PayloadSchema<EudrEvent<EudrSupplierData>>;
  "supplier.updated": PayloadSchema<EudrEvent<EudrSupplierData>>;
  /** The docs show no sync.completed data; any object is accepted and kept. */
  "sync.completed": PayloadSchema<EudrEvent<Record<string, unknown>>>;
} = {
  "supplier.created": envelope(supplierData),
  "supplier.updated": envelope(supplierData),
  "sync.completed": envelope(z.looseObject({})),
};

export interface EudrOptions {
  /**
   * The `whsec_…` secret the webhook API returned; several for rotation. Used as the whole string's
   * UTF-8 bytes, prefix included: the `whsec_` does NOT mean base64 here.
   */
  secret: SecretSource;
  /** "utf8" (default) or "base64" (drop `whsec_`, base64-decode the rest) if your account signs that way. */
  secretEncoding?: "utf8" | "base64";
  /** Override how one delivery is identified (default: event type + SHA-256 of the exact body). */
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * N'entropy EUDR platform (its webhooks overview): `X-Webhook-Signature` (hex HMAC-SHA256 of the raw body,
 * with or without `sha256=`), `X-Webhook-Event`, `X-Webhook-Timestamp`.
 *
 * `X-Webhook-Id` names the *endpoint* (wh_…), so it can never identify a delivery, and the body has no
 * event id. The key is the event type plus the SHA-256 of the exact body: a retry resends the same
 * bytes (event, ISO timestamp, integrationId, data), two events differ in timestamp or data, and the same
 * event delivered to two endpoints at one URL is — correctly — processed once.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.eudr({ secret: process.env.EUDR_WEBHOOK_SECRET! }) });
 * receiver.on("supplier.created", (event) => linkSupplier(event.payload.data.externalId));
 */
export function eudr(options: EudrOptions): Provider<typeof eudrEvents> {
  return defineProvider({
    name: "eudr",
    signature: hmacSignature({
      header: "x-webhook-signature",
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      secretEncoding: options.secretEncoding === "base64" ? "whsec-base64" : "utf8",
      platform: "N'entropy EUDR",
    }),
    signs: "the raw body",
    // Documented beside the signature; none is signed, none routes or keys.
    deliveryHeaders: ["x-webhook-event", "x-webhook-id", "x-webhook-timestamp"],
    events: eudrEvents,
    // The body's `event` is signed; X-Webhook-Event is not, so it never routes.
    eventType: ({ body, headers }) => signedType([body.event], '"event"', headers),
    idempotencyKey: options.idempotencyKey ?? bodyHashKey,
    timeoutMs: 10 * SECOND,
    retrySchedule: [0, SECOND, 5 * SECOND, 30 * SECOND],
    // A crashed claim frees 10 s after its last renewal, so the last retry can take it over.
    leaseMs: 10 * SECOND,
    // `data.externalId` names the supplier in both supplier events; `timestamp` is the event's ISO time.
    entityVersions: [
      { kind: "supplier", types: ["supplier."], entity: "data.externalId", version: "timestamp" },
    ],
  });
}
