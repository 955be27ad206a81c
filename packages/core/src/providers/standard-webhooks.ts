import type { Ed25519KeyInput } from "../signature/ed25519-keys.js";
import type { SecretSource } from "../signature/secrets.js";
import {
  type StandardWebhooksHeaders,
  standardWebhookHeaders,
  standardWebhooksSignature,
} from "../signature/standard-webhooks.js";
import { defineProvider, type EventSchemas, type Provider, readField } from "./define.js";
import { firstString, HOUR, type IdempotencyKeyFn, MINUTE, SECOND } from "./shared.js";

/**
 * The event type of a verified Standard Webhooks payload that names none (the standard says a payload
 * *should* carry `type`; its own test vector `{"test": 2432232314}` does not). Such a delivery is accepted
 * and reaches `"*"` handlers with this type: refusing it would make the sender retry, then disable the endpoint.
 * The parentheses keep it apart from any dotted type a sender names.
 */
export const STANDARD_WEBHOOKS_UNTYPED: "(untyped)" = "(untyped)";

export interface StandardWebhooksOptions<E extends EventSchemas> {
  /**
   * `whsec_<base64>` from the sender's dashboard; several for rotation. `whpk_…` / `whsk_…` entries are taken
   * as Ed25519 keys (like `publicKey` / `privateKey`). Or a function of the delivery's head, per endpoint
   * (docs/secrets.md): what it returns is taken as `whsec_` secrets.
   */
  secret?: SecretSource;
  /** The sender's Ed25519 public key (`whpk_…`, hex, base64 or PEM): verifies `v1a` signatures. */
  publicKey?: Ed25519KeyInput;
  /** An Ed25519 private key (`whsk_…`): for signing test deliveries; a receiver needs only `publicKey`. */
  privateKey?: Ed25519KeyInput;
  /** Your events and their payload schemas: names become a closed union for `receiver.on`. */
  events?: E;
  /**
   * Where the event type lives: a dotted body path (default "type") or a function. A payload where it is not
   * a non-empty string is routed to `"*"` handlers as `STANDARD_WEBHOOKS_UNTYPED` ("(untyped)").
   */
  eventType?: string | ((body: Readonly<Record<string, unknown>>) => string | undefined);
  /** Replay window around the receiver's clock. Default 300 s. */
  toleranceSeconds?: number;
  /** Header family `sign` writes: "webhook" (default) or "svix". Verification reads either. */
  headers?: StandardWebhooksHeaders;
  /** Provider name for keys and logs. Default "standard-webhooks" (or "svix" with `headers: "svix"`). */
  name?: string;
  /** The sender's timeout. Default 15 s (Svix's). */
  timeoutMs?: number;
  /** How long completed keys are kept. Default 48 h: past the end of Svix's retry schedule. */
  retentionMs?: number;
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * Standard Webhooks (and Svix): `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
 * `${id}.${timestamp}.${body}` with a `whsec_` base64 secret and a ±5 min window; `v1a,<base64>` (Ed25519)
 * with the sender's `whpk_` public key. With both configured, a list of v1 and v1a entries passes when any matches. The key is `webhook-id`,
 * which the standard defines as the message id, the same on every retry. A payload without `type` is
 * routed to `"*"` handlers as `STANDARD_WEBHOOKS_UNTYPED`.
 *
 * @example
 * const receiver = createReceiver({
 *   provider: providers.standardWebhooks({
 *     secret: process.env.WEBHOOK_SECRET!,
 *     events: { "invoice.paid": z.looseObject({ type: z.string(), data: z.looseObject({ id: z.string() }) }) },
 *   }),
 * });
 * // Ed25519 (v1a): the receiver holds only the sender's public key.
 * const asymmetric = providers.standardWebhooks({ publicKey: process.env.WEBHOOK_PUBLIC_KEY! }); // "whpk_…"
 */
export function standardWebhooks<const E extends EventSchemas = Record<never, never>>(
  options: StandardWebhooksOptions<E>,
): Provider<E> {
  const path = typeof options.eventType === "string" ? options.eventType : "type";
  const readType = typeof options.eventType === "function" ? options.eventType : undefined;
  return defineProvider({
    name: options.name ?? (options.headers === "svix" ? "svix" : "standard-webhooks"),
    signature: standardWebhooksSignature({
      ...(options.secret === undefined ? {} : { secret: options.secret }),
      ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }),
      ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
      headers: options.headers ?? "webhook",
    }),
    signs: "{webhook-id}.{webhook-timestamp}.{raw body}",
    deliveryHeaders: ["webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp"],
    routesUndeclared: true,
    events: options.events ?? ({} as E),
    // The whole payload is signed, so routing it untyped lets no one choose its type.
    eventType: ({ body }) =>
      firstString(readType ? readType(body) : readField(body, path)) ?? STANDARD_WEBHOOKS_UNTYPED,
    idempotencyKey: options.idempotencyKey ?? (({ headers }) => standardWebhookHeaders(headers).id),
    timeoutMs: options.timeoutMs ?? 15 * SECOND,
    // Svix's published schedule.
    retrySchedule: [0, 5 * SECOND, 5 * MINUTE, 30 * MINUTE, 2 * HOUR, 5 * HOUR, 10 * HOUR, 10 * HOUR],
    // Keyed by webhook-id, so the margin past the schedule costs nothing.
    retentionMs: options.retentionMs ?? 48 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
