import { concatBytes, toHex, utf8 } from "../encoding.js";
import { invalidHandshake } from "../errors.js";
import type { Handshake, HandshakeDelivery } from "../handshake.js";
import { jsonResponse } from "../response.js";
import { encodeSecrets, type SecretInput } from "../signature/secrets.js";
import { timestampedHmacSignature } from "../signature/timestamped.js";
import { asString, defineProvider, type EventSchemas, type Provider } from "./define.js";
import { bodyHashKey, type IdempotencyKeyFn, MINUTE, SECOND } from "./shared.js";

export interface ZoomOptions<E extends EventSchemas> {
  /**
   * The app's Secret Token (Features → Access → Secret Token); several for rotation. `endpoint.url_validation`
   * is answered with the token that signed it (the first when that cannot be told).
   */
  secret: SecretInput;
  /** Your events (`meeting.started`, …) and their payload schemas. */
  events?: E;
  /** Replay window. Default 300 s, as Zoom's sample verifies. */
  toleranceSeconds?: number;
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * What Zoom's plainToken looks like (its sample: `qgg8vlvZRS6UYooatFL8Aw`, 22 base64url characters).
 * Anything else is refused: the answer is an HMAC under the current secret of whatever string we are sent,
 * and a `v0:{ts}:{body}` string would come back as a valid x-zm-signature for that body — an oracle for
 * whoever holds an older rotation secret. Signed content always holds ':', which this shape excludes, so the
 * shape check alone closes it (the scheme does not report which of the rotation secrets matched).
 */
const PLAIN_TOKEN = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * The token this validation request was signed with, so the answer is under the same one (Zoom signs and
 * expects the answer with its current token; during a rotation that may be any entry of the list). Falls
 * back to the first token when no single x-zm-signature entry re-matches (a repeated header, say): the
 * plainToken shape check is what keeps the answer from serving as a signature either way.
 */
async function signingKey(
  keys: readonly Uint8Array[],
  headers: Readonly<Record<string, string>>,
  rawBody: Uint8Array,
  crypto: HandshakeDelivery["crypto"],
): Promise<Uint8Array> {
  const sent = utf8((headers["x-zm-signature"] ?? "").trim());
  const signed = concatBytes(utf8(`v0:${(headers["x-zm-request-timestamp"] ?? "").trim()}:`), rawBody);
  for (const key of keys) {
    const expected = utf8(`v0=${toHex(await crypto.hmac("sha256", key, signed))}`);
    if (expected.length === sent.length && crypto.timingSafeEqual(expected, sent)) return key;
  }
  return keys[0]!;
}

/**
 * Zoom's `endpoint.url_validation`: once x-zm-signature verified, answers 200 JSON `{ plainToken, encryptedToken }`
 * with encryptedToken = hex HMAC-SHA256 of plainToken under the Secret Token.
 */
function urlValidation(keys: readonly Uint8Array[]): Handshake {
  return {
    name: "Zoom endpoint.url_validation",
    async answer({ body, headers, rawBody, crypto }) {
      if (body.event !== "endpoint.url_validation") return undefined;
      const plainToken = (body.payload as { plainToken?: unknown } | undefined)?.plainToken;
      if (typeof plainToken !== "string" || plainToken === "") {
        throw invalidHandshake(
          "Zoom endpoint.url_validation",
          'the body carries no "payload.plainToken" string to answer with. Is this request from Zoom?',
        );
      }
      if (!PLAIN_TOKEN.test(plainToken)) {
        throw invalidHandshake(
          "Zoom endpoint.url_validation",
          '"payload.plainToken" is not a short token (1–128 letters, digits, "-" or "_", as Zoom sends); it is not answered. Is this request from Zoom?',
        );
      }
      const key = await signingKey(keys, headers, rawBody, crypto);
      const encryptedToken = toHex(await crypto.hmac("sha256", key, utf8(plainToken)));
      return jsonResponse(200, { plainToken, encryptedToken });
    },
  };
}

/**
 * Zoom webhooks: `x-zm-signature: v0=<hex>` = HMAC-SHA256 of `v0:{x-zm-request-timestamp}:{raw body}` with
 * the Secret Token, ±5 min. Its `endpoint.url_validation` (sent when the URL is saved, then every 72 h) is
 * answered once verified. The type is the body's `event`; Zoom sends no event id, so the key is the type plus
 * the SHA-256 of the exact body (a retry resends the same bytes, `event_ts` included).
 *
 * @example
 * const receiver = createReceiver({ provider: providers.zoom({ secret: process.env.ZOOM_SECRET_TOKEN! }) });
 * receiver.on("*", (event) => console.log(event.type)); // "meeting.started", …
 */
export function zoom<const E extends EventSchemas = Record<never, never>>(
  options: ZoomOptions<E>,
): Provider<E> {
  // The handshake's keys are the secrets' bytes, as the signature scheme reads them (UTF-8).
  const keys = encodeSecrets(options.secret, "utf8", "Zoom");
  return defineProvider({
    name: "zoom",
    signature: timestampedHmacSignature({
      header: "x-zm-signature",
      prefix: "v0=",
      timestamp: { header: "x-zm-request-timestamp" },
      signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
      secret: options.secret,
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
      platform: "Zoom",
    }),
    signs: "v0:{x-zm-request-timestamp}:{raw body}",
    deliveryHeaders: ["x-zm-request-timestamp"],
    events: options.events ?? ({} as E),
    eventType: ({ body }) => asString(body.event),
    idempotencyKey: options.idempotencyKey ?? bodyHashKey,
    handshake: urlValidation(keys),
    // "respond with a 200 or 204 within three seconds"; retried 5 min, then 20 min, then 60 min later.
    timeoutMs: 3 * SECOND,
    retrySchedule: [0, 5 * MINUTE, 20 * MINUTE, 60 * MINUTE],
    leaseMs: 10 * SECOND,
  });
}
