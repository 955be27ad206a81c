import { invalidHandshake } from "../errors.js";
import type { Handshake } from "../handshake.js";
import type { SecretSource } from "../signature/secrets.js";
import { timestampedHmacSignature } from "../signature/timestamped.js";
import { asString, defineProvider, type EventSchemas, type Provider } from "./define.js";
import { bodyHashKey, firstString, type IdempotencyKeyFn, MINUTE, SECOND } from "./shared.js";

export interface SlackOptions<E extends EventSchemas> {
  /**
   * The app's Signing Secret (Basic Information → App Credentials); several for rotation; or a function of
   * the delivery's head when one receiver serves several Slack apps (docs/secrets.md).
   */
  secret: SecretSource;
  /** Your events (the inner `event.type`, e.g. "app_mention") and their payload schemas. */
  events?: E;
  /** Replay window. Default 300 s, as Slack's "Verifying requests from Slack" asks. */
  toleranceSeconds?: number;
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * Slack's `url_verification`: once the v0 signature verified, the `challenge` goes back as the whole body,
 * `text/plain`, exactly as Slack's url_verification page shows.
 */
const urlVerification: Handshake = {
  name: "Slack url_verification",
  answer({ body }) {
    if (body.type !== "url_verification") return undefined;
    const challenge = body.challenge;
    if (typeof challenge !== "string" || challenge === "") {
      throw invalidHandshake(
        "Slack url_verification",
        'the body carries no "challenge" string to answer with. Is this request from Slack?',
      );
    }
    return { status: 200, headers: { "content-type": "text/plain" }, body: challenge };
  },
};

/**
 * Slack's Events API: `X-Slack-Signature: v0=<hex>` = HMAC-SHA256 of `v0:{X-Slack-Request-Timestamp}:{raw body}`
 * with the Signing Secret, ±5 min. The `url_verification` handshake is answered with its challenge once the
 * signature verified. An `event_callback` routes as its inner `event.type` (`app_mention`, `message`, …), any
 * other outer type (`app_rate_limited`) as itself; the key is `event_id`, which Slack's retries repeat.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.slack({ secret: process.env.SLACK_SIGNING_SECRET! }) });
 * receiver.on("*", (event) => console.log(event.type)); // "app_mention", "message", …
 */
export function slack<const E extends EventSchemas = Record<never, never>>(
  options: SlackOptions<E>,
): Provider<E> {
  return defineProvider({
    name: "slack",
    signature: timestampedHmacSignature({
      header: "x-slack-signature",
      prefix: "v0=",
      timestamp: { header: "x-slack-request-timestamp" },
      signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
      secret: options.secret,
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
      platform: "Slack",
    }),
    signs: "v0:{X-Slack-Request-Timestamp}:{raw body}",
    deliveryHeaders: ["x-slack-request-timestamp", "x-slack-retry-num", "x-slack-retry-reason"],
    events: options.events ?? ({} as E),
    eventType: ({ body }) =>
      body.type === "event_callback"
        ? asString((body.event as { type?: unknown } | undefined)?.type)
        : asString(body.type),
    // event_id is the same on every retry; an outer type without one (app_rate_limited) is keyed by its bytes.
    idempotencyKey:
      options.idempotencyKey ?? ((delivery) => firstString(delivery.body.event_id) ?? bodyHashKey(delivery)),
    // X-Slack-Retry-Num counts retries: the first retry is attempt 2.
    attempt: ({ headers }) => {
      const retries = Number(headers["x-slack-retry-num"]);
      return Number.isInteger(retries) && retries >= 0 ? retries + 1 : undefined;
    },
    handshake: urlVerification,
    // "Respond … within 3 seconds"; retried "nearly immediately, after 1 minute, after 5 minutes".
    timeoutMs: 3 * SECOND,
    retrySchedule: [0, 0, MINUTE, 5 * MINUTE],
    leaseMs: 10 * SECOND,
  });
}
