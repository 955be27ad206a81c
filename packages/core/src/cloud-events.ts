import { invalidConfig, invalidHandshake, originNotAllowed } from "./errors.js";
import type { Handshake } from "./handshake.js";
import { handshakeList } from "./handshake.js";
import type { Provider } from "./providers/define.js";

export interface CloudEventsValidationOptions {
  /**
   * The senders' origins you consent to (`WebHook-Request-Origin`, a DNS name such as
   * "eventemitter.example.com"), compared case-insensitively. Any other origin is refused
   * (`origin_not_allowed`, 403) and gets no `WebHook-Allowed-Origin`.
   */
  allowedOrigins: readonly string[];
  /** Requests per minute granted in `WebHook-Allowed-Rate` (a positive integer), or "*" (no limit). Default "*". */
  allowedRate?: number | "*";
}

/**
 * CloudEvents' HTTP webhook abuse protection (the "HTTP 1.1 Web Hooks for Event Delivery" spec, §4): the
 * sender asks with `OPTIONS` and `WebHook-Request-Origin`; an allowed origin is answered 200 with
 * `WebHook-Allowed-Origin` (the origin), `WebHook-Allowed-Rate` and `Allow: POST`. Opt-in: only origins
 * listed are granted. Attach it with `withHandshake` or `defineProvider({ handshake })`.
 *
 * @example
 * const provider = withHandshake(
 *   providers.standardWebhooks({ secret: process.env.WEBHOOK_SECRET! }),
 *   cloudEventsValidation({ allowedOrigins: ["eventemitter.example.com"], allowedRate: 120 }),
 * );
 */
export function cloudEventsValidation(options: CloudEventsValidationOptions): Handshake {
  if (typeof options !== "object" || options === null)
    throw invalidConfig(
      'pass { allowedOrigins: ["eventemitter.example.com"] } (and optionally allowedRate).',
      "cloudEventsValidation",
    );
  if (options.allowedOrigins !== undefined && !Array.isArray(options.allowedOrigins))
    throw invalidConfig(
      `allowedOrigins must be an array of origins, e.g. ["eventemitter.example.com"], got ${typeof options.allowedOrigins}.`,
      "cloudEventsValidation",
    );
  const allowed = new Set(
    (options.allowedOrigins ?? []).map((origin) => {
      if (typeof origin !== "string" || origin.trim() === "") {
        throw invalidConfig("each of allowedOrigins must be a non-empty DNS name.", "cloudEventsValidation");
      }
      return origin.trim().toLowerCase();
    }),
  );
  if (allowed.size === 0) {
    throw invalidConfig(
      'allowedOrigins must name at least one sender origin (e.g. "eventemitter.example.com"): consent is given only to origins you list.',
      "cloudEventsValidation",
    );
  }
  const rate = options.allowedRate ?? "*";
  if (rate !== "*" && !(Number.isInteger(rate) && rate > 0)) {
    throw invalidConfig(
      `allowedRate must be a positive integer (requests per minute) or "*", got ${String(rate)}.`,
      "cloudEventsValidation",
    );
  }
  return {
    name: "CloudEvents webhook validation",
    methods: ["OPTIONS"],
    head({ headers }) {
      const origin = headers["webhook-request-origin"]?.trim();
      if (origin === undefined || origin === "") {
        throw invalidHandshake(
          "CloudEvents webhook validation",
          "an OPTIONS request here must carry WebHook-Request-Origin naming the sender (the CloudEvents HTTP webhook spec's validation request).",
        );
      }
      if (!allowed.has(origin.toLowerCase())) throw originNotAllowed(origin);
      return {
        status: 200,
        // Said explicitly: an empty body otherwise gets each framework's own default (text/html, …).
        headers: {
          "content-type": "text/plain; charset=utf-8",
          allow: "POST, OPTIONS",
          "webhook-allowed-origin": origin,
          "webhook-allowed-rate": String(rate),
        },
        body: "",
      };
    },
  };
}

/**
 * A provider that also answers `handshake` (after the ones it already has): e.g. a preset with CloudEvents'
 * `OPTIONS` validation.
 *
 * @example
 * const provider = withHandshake(providers.generic({ secret }), cloudEventsValidation({ allowedOrigins: ["events.example.com"] }));
 */
export function withHandshake<P extends Provider>(provider: P, handshake: Handshake): P {
  return { ...provider, handshake: [...handshakeList(provider.handshake), handshake] };
}
