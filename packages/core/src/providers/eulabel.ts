import { z } from "zod/v4";
import {
  asString,
  type DeliveryContext,
  defineProvider,
  type PayloadSchema,
  type Provider,
  readField,
} from "../provider.js";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretInput } from "../signature/secrets.js";

const missingField = z.looseObject({ field: z.string(), message: z.string() });

/** The compliance object EUlabel attaches to passport events (seed 001). Unknown fields are kept. */
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

/** A passport event (seed 001). Unknown fields are kept. */
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
  /** Named in EUlabel's overview page (seed 000) beside the six outbound events. */
  "passport.created": passportEvent,
  "scan.threshold": scanThreshold,
};

export interface EulabelOptions {
  /** The endpoint's signing secret; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretInput;
  /** Override how one delivery is identified (default: event type + SHA-256 of the exact body). */
  idempotencyKey?: (
    delivery: DeliveryContext & { type: string },
  ) => string | undefined | Promise<string | undefined>;
}

/**
 * EUlabel outbound passport webhooks (seed 001): `X-EUlabel-Signature: sha256=<hex>` over the raw body,
 * event type in `event`, 2xx expected within 30 s, retries over ~5 h 17 min.
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
      header: "x-eulabel-signature",
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      platform: "EUlabel",
    }),
    events: eulabelEvents,
    eventType: ({ body }) => asString(readField(body, "event")),
    idempotencyKey:
      options.idempotencyKey ??
      (async ({ type, rawBody, sha256Hex }) => `${type}:${await sha256Hex(rawBody)}`),
    timeoutMs: 30_000,
    // Retries end after immediate + 30 s + 2 min + 15 min + 1 h + 4 h ≈ 5 h 17 min; 24 h covers it with room.
    retentionMs: 24 * 60 * 60 * 1000,
    leaseMs: 30_000,
  });
}
