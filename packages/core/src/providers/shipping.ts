import { z } from "zod/v4";
import {
  type BodyFieldSignatureOptions,
  bodyFieldSignature,
  bodyWithoutField,
} from "../signature/body-field.js";
import type { SecretSource } from "../signature/secrets.js";
import { defineProvider, type PayloadSchema, type Provider } from "./define.js";
import { HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

const envelope = <D extends z.ZodType>(data: D) =>
  z.looseObject({ event: z.string(), data, timestamp: z.string(), signature: z.string() });

/** `data.id` names the shipment or user: a resource, never a delivery. */
const shipment = z.looseObject({
  id: z.string(),
  status: z.string().optional(),
  created_at: z.string().optional(),
});
const user = z.looseObject({ id: z.string() });

/** `{ event, data, timestamp, signature }` (the shipping API's guide). Unknown fields are kept. */
export interface ShippingEvent<D> {
  event: string;
  data: D;
  timestamp: string;
  signature: string;
  [field: string]: unknown;
}
/** `data.id` names the shipment: a resource, never a delivery. */
export interface ShippingShipment {
  id: string;
  status?: string | undefined;
  created_at?: string | undefined;
  [field: string]: unknown;
}
export interface ShippingUser {
  id: string;
  [field: string]: unknown;
}

export const shippingEvents: {
  "shipment.created": PayloadSchema<ShippingEvent<ShippingShipment>>;
  "shipment.updated": PayloadSchema<ShippingEvent<ShippingShipment>>;
  "user.created": PayloadSchema<ShippingEvent<ShippingUser>>;
  "user.updated": PayloadSchema<ShippingEvent<ShippingUser>>;
} = {
  "shipment.created": envelope(shipment),
  "shipment.updated": envelope(shipment),
  "user.created": envelope(user),
  "user.updated": envelope(user),
};

export interface ShippingOptions {
  /** The signing secret from the dashboard; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretSource;
  /** The platform's source addresses (CIDR) from its dashboard; passed on as the provider's allow-list. */
  allowedIps?: readonly string[];
  /**
   * What the signature covers. Default: the exact raw body with its top-level `"signature"` member cut out
   * byte-exactly (see docs/providers.md). Override if your account documents another rule.
   */
  signedContent?: BodyFieldSignatureOptions["signedContent"];
  /** Override how one delivery is identified (default: event type + SHA-256 of the signed content). */
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * A shipping API (its Webhooks Guide): the signature travels inside the JSON body (`"signature": "<hex>"`), the
 * sender publishes an IP list, and retries with exponential backoff for an undocumented time.
 *
 * There is no event id (`data.id` is the shipment), so the key is the event type plus the SHA-256 of the
 * signed content — the body without its signature, so even a retry re-signed with a rotated secret is
 * recognised. Two events differ in their `timestamp` or data.
 *
 * @example
 * const receiver = createReceiver({
 *   provider: providers.shipping({ secret: process.env.SHIPPING_SECRET!, allowedIps: ["203.0.113.0/24"] }),
 * });
 * receiver.on("shipment.updated", (event) => track(event.payload.data.id, event.payload.data.status));
 */
export function shipping(options: ShippingOptions): Provider<typeof shippingEvents> {
  const scheme: BodyFieldSignatureOptions = {
    field: "signature",
    secret: options.secret,
    platform: "the shipping API",
  };
  if (options.signedContent) scheme.signedContent = options.signedContent;
  const custom = options.signedContent;
  const defaultKey: IdempotencyKeyFn = async ({ type, rawBody, body, signedContent, sha256Hex }) => {
    // What verify already cut out of the body; cut again only for a context built elsewhere.
    const content =
      signedContent ?? (custom ? custom(rawBody, body) : bodyWithoutField(rawBody, "signature"));
    return content ? `${type}:${await sha256Hex(content)}` : undefined;
  };
  const provider = defineProvider({
    name: "shipping",
    signature: bodyFieldSignature(scheme),
    signs: 'the raw body without its top-level "signature" member',
    // Its guide documents no header: everything, the signature too, is in the body.
    deliveryHeaders: [],
    events: shippingEvents,
    // The body is the only signed place, and the only one its guide documents.
    eventType: ({ body }) => (typeof body.event === "string" && body.event !== "" ? body.event : undefined),
    idempotencyKey: options.idempotencyKey ?? defaultKey,
    timeoutMs: 10 * SECOND,
    // "Several times with exponential backoff", length unpublished, so no schedule to size this from: 72 h
    // holds the longest common ones (Stripe's 3 days). Long retention costs little here: the signed content
    // carries the event's timestamp, so two genuine events share bytes only if identical to the second.
    retentionMs: 72 * HOUR,
    leaseMs: 30 * SECOND,
    // `data.id` names the shipment or user; the envelope's `timestamp` is the event's time.
    entityVersions: [
      { kind: "shipment", types: ["shipment."], entity: "data.id", version: "timestamp" },
      { kind: "user", types: ["user."], entity: "data.id", version: "timestamp" },
    ],
  });
  return options.allowedIps ? { ...provider, allowedIps: options.allowedIps } : provider;
}
