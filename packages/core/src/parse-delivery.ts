import { decodeUtf8 } from "./encoding.js";
import { type PayloadIssue, WebhookError } from "./errors.js";
import { type DeliveryContext, deliveryContext, type JsonObject, type Provider } from "./provider.js";
import { validatePayload } from "./schema.js";
import type { WebhookRequest } from "./types.js";

/** Sender-chosen ids longer than this are hashed, so one delivery cannot bloat the store. */
const MAX_KEY_LENGTH = 200;

export interface ParsedDelivery {
  type: string;
  payload: unknown;
  /** The namespaced idempotency key. */
  key: string;
  attempt: number | undefined;
}

/**
 * From verified bytes to a routed event: strict UTF-8 JSON object, the provider's event type, the event's
 * schema (unknown fields kept by the presets' loose objects), and the key of this one delivery.
 */
export async function parseDelivery(
  provider: Provider,
  request: WebhookRequest,
  sha256Hex: DeliveryContext["sha256Hex"],
): Promise<ParsedDelivery> {
  let body: unknown;
  try {
    const text = decodeUtf8(request.rawBody);
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw invalidPayload("The body is not valid UTF-8 JSON.", [{ path: "", message: "invalid JSON" }]);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidPayload("The body must be a JSON object.", [{ path: "", message: "expected an object" }]);
  }
  const delivery = deliveryContext(body as JsonObject, request.headers, request.rawBody, sha256Hex);
  const type = provider.eventType(delivery);
  if (typeof type !== "string" || type === "") {
    throw invalidPayload(`The delivery names no event type that ${provider.name} would send.`, [
      { path: "type", message: "missing event type" },
    ]);
  }
  delivery.type = type;
  let payload = provider.payload ? provider.payload(delivery) : body;
  const schema = Object.hasOwn(provider.events, type) ? provider.events[type] : undefined;
  if (schema) {
    const checked = validatePayload(schema, payload);
    const result = checked instanceof Promise ? await checked : checked;
    if (!result.ok) throw invalidPayload(`The ${type} payload does not match its schema.`, result.issues);
    payload = result.value;
  }
  const rawKey = await provider.idempotencyKey(delivery);
  if (typeof rawKey !== "string" || rawKey === "") {
    throw invalidPayload(`The delivery carries no id that identifies this ${provider.name} event.`, [
      { path: "id", message: "missing delivery id" },
    ]);
  }
  // Keys are namespaced per provider and bounded in size: a sender-chosen id cannot bloat the store.
  let key = `${provider.name}:${rawKey}`;
  if (key.length > MAX_KEY_LENGTH) key = `${provider.name}:sha256:${await sha256Hex(rawKey)}`;
  const attempt = provider.attempt?.(delivery);
  return { type, payload, key, attempt };
}

function invalidPayload(message: string, issues: PayloadIssue[]): WebhookError {
  return new WebhookError("invalid_payload", message, { issues });
}
