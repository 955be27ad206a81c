import { decodeUtf8 } from "./encoding.js";
import { invalidPayload } from "./errors.js";
import { chain, type MaybePromise } from "./maybe.js";
import { type DeliveryContext, deliveryContext, type JsonObject, type Provider } from "./providers/define.js";
import { type PayloadValidation as Validation, validatePayload } from "./schema.js";

/** Sender-chosen ids longer than this are hashed, so one delivery cannot bloat the store. */
const MAX_KEY_LENGTH = 200;

export interface ParsedDelivery {
  type: string;
  /** The body as text (strict UTF-8). */
  text: string;
  /** What the provider reads the delivery from (body, headers, bytes), `type` filled in. */
  context: DeliveryContext & { type: string };
  /** The namespaced idempotency key. */
  key: string;
  attempt: number | undefined;
}

/** Strict UTF-8 JSON object, or an invalid_payload error. */
export function parseJsonObject(text: string): JsonObject {
  let body: unknown;
  try {
    body = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch {
    throw invalidPayload("The body is not valid UTF-8 JSON.", [{ path: "", message: "invalid JSON" }]);
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidPayload("The body must be a JSON object.", [{ path: "", message: "expected an object" }]);
  }
  return body as JsonObject;
}

/** The body as strict UTF-8 text and its JSON object: what both a handshake and an event are read from. */
export interface JsonBody {
  text: string;
  body: JsonObject;
}

/** Strict UTF-8 JSON object from the exact bytes, or an invalid_payload error that says what the body is. */
export function readJsonBody(headers: Readonly<Record<string, string>>, rawBody: Uint8Array): JsonBody {
  let text: string;
  try {
    text = decodeUtf8(rawBody);
  } catch {
    throw invalidPayload("The body is not valid UTF-8 JSON.", [{ path: "", message: "invalid UTF-8" }]);
  }
  if (headers["content-type"]?.includes("x-www-form-urlencoded") && !text.trimStart().startsWith("{")) {
    throw invalidPayload(
      "The body is form-encoded, not JSON: set the sender's content type to application/json (GitHub: the webhook's settings, Content type).",
      [{ path: "", message: "form-encoded body" }],
    );
  }
  return { text, body: parseJsonObject(text) };
}

/**
 * From verified bytes to a routable delivery: strict UTF-8 JSON object, the provider's event type and the
 * key of this one delivery. The schema is checked apart (`validateDelivery`): a queue parks what fails it.
 * `read`: the body already read by an earlier step (a handshake check), so it is not parsed twice.
 */
export function parseDelivery(
  provider: Provider,
  namespace: string,
  headers: Readonly<Record<string, string>>,
  rawBody: Uint8Array,
  sha256Hex: DeliveryContext["sha256Hex"],
  signedContent?: Uint8Array,
  read: JsonBody = readJsonBody(headers, rawBody),
): MaybePromise<ParsedDelivery> {
  const { text } = read;
  const context = deliveryContext(read.body, headers, rawBody, sha256Hex, signedContent);
  const type = provider.eventType(context);
  if (typeof type !== "string" || type === "") {
    throw invalidPayload(`The delivery names no event type that ${provider.name} would send.`, [
      { path: "type", message: "missing event type" },
    ]);
  }
  context.type = type;
  return chain(provider.idempotencyKey(context), (rawKey) => {
    if (typeof rawKey !== "string" || rawKey === "") {
      throw invalidPayload(`The delivery carries no id that identifies this ${provider.name} event.`, [
        { path: "id", message: "missing delivery id" },
      ]);
    }
    const parsed = (key: string): ParsedDelivery => ({
      type,
      text,
      context,
      key,
      attempt: provider.attempt?.(context),
    });
    // Keys are namespaced per endpoint and bounded in size: a sender-chosen id cannot bloat the store.
    const key = `${namespace}:${rawKey}`;
    if (key.length <= MAX_KEY_LENGTH) return parsed(key);
    return sha256Hex(rawKey).then((hash) => parsed(`${namespace}:sha256:${hash}`));
  });
}

/** The payload handlers receive, checked against its event's schema when the provider has one. */
export function validateDelivery(
  provider: Provider,
  context: DeliveryContext & { type: string },
): Validation | Promise<Validation> {
  const payload = provider.payload ? provider.payload(context) : context.body;
  const schema = Object.hasOwn(provider.events, context.type) ? provider.events[context.type] : undefined;
  return schema ? validatePayload(schema, payload) : { ok: true, value: payload };
}
