import { z } from "zod/v4";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretSource } from "../signature/secrets.js";
import {
  asString,
  type DeliveryContext,
  defineProvider,
  type PayloadSchema,
  type Provider,
  readField,
} from "./define.js";
import { HOUR, MINUTE, SECOND } from "./shared.js";

const missingField = z.looseObject({ field: z.string(), message: z.string() });

/** The compliance object EUlabel attaches to passport events (EUlabel's outbound webhooks docs). Unknown fields are kept. */
export interface EulabelCompliance {
  /** "incomplete" | "compliant" in the docs; kept open so a new status never rejects a delivery. */
  status: string;
  regulation: string;
  /** 0–100. */
  completeness: number;
  missingFields: { field: string; message: string; [field: string]: unknown }[];
  documentationUrl: string;
  [field: string]: unknown;
}

/** A passport event (EUlabel's outbound webhooks docs). Unknown fields are kept. */
export interface EulabelPassportEvent {
  event: string;
  /** The passport's id — one passport emits several events, so this is NOT a delivery id. */
  id: string;
  gtin?: string | undefined;
  timestamp: string;
  passportUrl?: string | undefined;
  version?: number | undefined;
  compliance: EulabelCompliance;
  [field: string]: unknown;
}

/** `passport.deleted`: a passport event whose compliance may be absent. */
export type EulabelPassportDeletedEvent = Omit<EulabelPassportEvent, "compliance"> & {
  compliance?: EulabelCompliance | undefined;
};

/** `scan.threshold`: the docs show no payload, so only the envelope is required and every other field is kept. */
export interface EulabelScanThresholdEvent {
  event: "scan.threshold";
  id?: string | undefined;
  gtin?: string | undefined;
  timestamp?: string | undefined;
  [field: string]: unknown;
}

const compliance = z.looseObject({
  /** "incomplete" | "compliant" in the docs; kept open so a new status never rejects a delivery. */
  status: z.string(),
  regulation: z.string(),
  completeness: z.number().min(0).max(100),
  missingFields: z.array(missingField),
  documentationUrl: z.string(),
});

const passportBase = {
  event: z.string(),
  /** The passport's id — one passport emits several events, so this is NOT a delivery id. */
  id: z.string(),
  gtin: z.string().optional(),
  timestamp: z.string(),
  passportUrl: z.string().optional(),
  version: z.number().optional(),
};

const passportEvent = z.looseObject({ ...passportBase, compliance });
const passportDeleted = z.looseObject({ ...passportBase, compliance: compliance.optional() });

/** The compliance object's validator, for your own schemas. */
export const eulabelCompliance: PayloadSchema<EulabelCompliance> = compliance;

const scanThreshold = z.looseObject({
  event: z.literal("scan.threshold"),
  id: z.string().optional(),
  gtin: z.string().optional(),
  timestamp: z.string().optional(),
});

export const eulabelEvents: {
  "passport.draft_created": PayloadSchema<EulabelPassportEvent>;
  "passport.enriched": PayloadSchema<EulabelPassportEvent>;
  "passport.published": PayloadSchema<EulabelPassportEvent>;
  "passport.updated": PayloadSchema<EulabelPassportEvent>;
  "passport.deleted": PayloadSchema<EulabelPassportDeletedEvent>;
  "passport.created": PayloadSchema<EulabelPassportEvent>;
  "scan.threshold": PayloadSchema<EulabelScanThresholdEvent>;
} = {
  "passport.draft_created": passportEvent,
  "passport.enriched": passportEvent,
  "passport.published": passportEvent,
  "passport.updated": passportEvent,
  "passport.deleted": passportDeleted,
  /** Named in EUlabel's webhooks overview beside the six outbound events. */
  "passport.created": passportEvent,
  "scan.threshold": scanThreshold,
};

/** EUlabel's published schedule, read as delays between attempts: the longer of the two readings. */
export const EULABEL_RETRY_SCHEDULE = [0, 30 * SECOND, 2 * MINUTE, 15 * MINUTE, HOUR, 4 * HOUR] as const;

/** Both names EUlabel's pages give the signature header; `sign` writes the first. */
export const EULABEL_SIGNATURE_HEADERS = ["x-eulabel-signature", "x-webhook-signature"] as const;

export interface EulabelOptions {
  /** The endpoint's signing secret (`whsec_…`); several for rotation. Used as the whole string's UTF-8 bytes. */
  secret: SecretSource;
  /** "utf8" (default) or "base64" (drop `whsec_`, base64-decode the rest) if your account signs that way. */
  secretEncoding?: "utf8" | "base64";
  /** Override how one delivery is identified (default: event type + SHA-256 of the exact body). */
  idempotencyKey?: (
    delivery: DeliveryContext & { type: string },
  ) => string | undefined | Promise<string | undefined>;
}

/**
 * EUlabel outbound passport webhooks (eulabel.eu/docs/webhooks/outbound-webhooks): `X-EUlabel-Signature:
 * sha256=<hex>` over the raw body (or `X-Webhook-Signature`, the name its overview page gives; whichever is
 * present), event type in `event`; timeout and retry schedule as EUlabel publishes them (the data below).
 *
 * The payload's `id` names the passport, and EUlabel sends no per-delivery id, so the key is the event
 * type plus the SHA-256 of the exact body: a retry repeats the body byte for byte, while two events about
 * one passport always differ (event, timestamp, compliance, version).
 *
 * @example
 * const receiver = createReceiver({ provider: providers.eulabel({ secret: process.env.EULABEL_SECRET! }) });
 */
export function eulabel(options: EulabelOptions): Provider<typeof eulabelEvents> {
  return defineProvider({
    name: "eulabel",
    signature: hmacSignature({
      // The outbound page names X-EUlabel-Signature, the overview X-Webhook-Signature: either.
      header: EULABEL_SIGNATURE_HEADERS,
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      secretEncoding: options.secretEncoding === "base64" ? "whsec-base64" : "utf8",
      platform: "EUlabel",
    }),
    signs: "the raw body",
    // EUlabel documents no header but the signature.
    deliveryHeaders: [],
    events: eulabelEvents,
    eventType: ({ body }) => asString(readField(body, "event")),
    idempotencyKey:
      options.idempotencyKey ??
      (async ({ type, rawBody, sha256Hex }) => `${type}:${await sha256Hex(rawBody)}`),
    timeoutMs: 30 * SECOND,
    retrySchedule: EULABEL_RETRY_SCHEDULE,
    leaseMs: 30 * SECOND,
    // The payload's `id` is the passport; `timestamp` increases along its flow (draft → … → updated).
    // scan.threshold is not about the passport's state: not ordered.
    entityVersions: [{ kind: "passport", types: ["passport."], entity: "id", version: "timestamp" }],
  });
}
