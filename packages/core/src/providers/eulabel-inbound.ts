import { z } from "zod/v4";
import { defineProvider, type PayloadSchema, type Provider } from "../provider.js";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretInput } from "../signature/secrets.js";
import { bodyHashKey, firstString, HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

/**
 * The overview page (seed 000) names `item.create` / `item.update` but shows no payload, so the schema
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
  /** The shared signing secret; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretInput;
  /** Override how one delivery is identified (default: event type + SHA-256 of the exact body). */
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * EUlabel inbound items (seed 000): a PIM/CMS pushes `item.create` / `item.update`, signed
 * `X-Webhook-Signature: sha256=<hex>` over the raw body; 2xx expected within 30 s.
 *
 * The event type is read from the body's `event`, else its `type` (both signed), else the unsigned
 * `X-Webhook-Event` header. No delivery id is documented, so the key is the type plus the body's SHA-256.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.eulabelInbound({ secret: process.env.PIM_SECRET! }) });
 * receiver.on("item.update", (event) => regenerate(event.payload.gtin));
 */
export function eulabelInbound(options: EulabelInboundOptions): Provider<typeof eulabelInboundEvents> {
  return defineProvider({
    name: "eulabel-inbound",
    signature: hmacSignature({
      header: "x-webhook-signature",
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      platform: "the EUlabel inbound sender",
    }),
    events: eulabelInboundEvents,
    eventType: ({ body, headers }) => firstString(body.event, body.type, headers["x-webhook-event"]),
    idempotencyKey: options.idempotencyKey ?? bodyHashKey,
    timeoutMs: 30 * SECOND,
    // No retry schedule is documented for inbound pushes; 24 h covers EUlabel's own ≈ 5 h 17 min schedule.
    retentionMs: 24 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
