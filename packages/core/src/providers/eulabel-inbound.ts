import { z } from "zod/v4";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretSource } from "../signature/secrets.js";
import { defineProvider, type PayloadSchema, type Provider } from "./define.js";
import { EULABEL_RETRY_SCHEDULE } from "./eulabel.js";
import { bodyHashKey, type IdempotencyKeyFn, SECOND, signedType } from "./shared.js";

/**
 * EUlabel's webhooks overview names `item.create` / `item.update` but shows no payload, so the schema
 * requires nothing and keeps every field; the optional fields are the ones a PIM/CMS item plausibly has
 * and are only type hints. Tighten them with your own `defineProvider` once your PIM's payload is fixed.
 */
export interface EulabelInboundItem {
  event?: string | undefined;
  type?: string | undefined;
  id?: string | undefined;
  gtin?: string | undefined;
  timestamp?: string | undefined;
  data?: Record<string, unknown> | undefined;
  [field: string]: unknown;
}

const item: PayloadSchema<EulabelInboundItem> = z.looseObject({
  event: z.string().optional(),
  type: z.string().optional(),
  id: z.string().optional(),
  gtin: z.string().optional(),
  timestamp: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});

export const eulabelInboundEvents = {
  "item.create": item,
  "item.update": item,
};

export interface EulabelInboundOptions {
  /** The shared signing secret; several for rotation. Used as the whole string's UTF-8 bytes. */
  secret: SecretSource;
  /** "utf8" (default) or "base64" (drop `whsec_`, base64-decode the rest) if your account signs that way. */
  secretEncoding?: "utf8" | "base64";
  /** Override how one delivery is identified (default: event type + SHA-256 of the exact body). */
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * EUlabel inbound items (eulabel.eu/docs/webhooks/overview/introduction): a PIM/CMS pushes `item.create` / `item.update`, signed
 * `X-Webhook-Signature: sha256=<hex>` over the raw body; 2xx expected within 30 s.
 *
 * The event type is read from the signed body only: its `event`, else its `type`. `X-Webhook-Event` is not
 * signed, so it never routes: one captured body could otherwise replay under any type name (and key).
 * No delivery id is documented, so the key is the type plus the body's SHA-256.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.eulabelInbound({ secret: process.env.PIM_SECRET! }) });
 * receiver.on("item.update", (event) => regenerate(event.payload.gtin));
 */
export function eulabelInbound(options: EulabelInboundOptions): Provider<typeof eulabelInboundEvents> {
  return defineProvider({
    name: "eulabel-inbound",
    signature: hmacSignature({
      // The overview names X-Webhook-Signature and warns that names differ between pages: X-EUlabel-Signature too.
      header: ["x-webhook-signature", "x-eulabel-signature"],
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      secretEncoding: options.secretEncoding === "base64" ? "whsec-base64" : "utf8",
      platform: "the EUlabel inbound sender",
    }),
    signs: "the raw body",
    // Read only to explain a refusal (a type in this header alone).
    deliveryHeaders: ["x-webhook-event"],
    events: eulabelInboundEvents,
    eventType: ({ body, headers }) => signedType([body.event, body.type], '"event" or "type"', headers),
    idempotencyKey: options.idempotencyKey ?? bodyHashKey,
    timeoutMs: 30 * SECOND,
    // No schedule is documented for inbound pushes: EUlabel's own is assumed. A PIM can push byte-identical
    // bodies (price 10 → 12 → 10), so keys live no longer than it implies; set retentionMs to your PIM's.
    retrySchedule: EULABEL_RETRY_SCHEDULE,
    leaseMs: 30 * SECOND,
    // No entityVersions: no payload is documented, and a PIM's genuine A-B-A repeat (price 10 → 12 → 10,
    // byte-identical) must run; a guess at `id` + `timestamp` made that repeat "stale" (attack pass). Pass
    // `ordering: { entity, version }` when your PIM's payload says which item and which version.
  });
}
