import { concatBytes, utf8 } from "../encoding.js";
import { carries } from "./header-list.js";
import { keyring } from "./keyring.js";
import { fail, missingHeader, OK, type SignatureScheme } from "./scheme.js";
import type { SecretEncoding, SecretSource } from "./secrets.js";
import {
  checkTolerance,
  finerUnit,
  inFinerUnit,
  nowInSeconds,
  outOfRange,
  parseUnixSeconds,
  withinTolerance,
} from "./timestamp.js";

/** Which header family a sender uses: the standard's `webhook-*` or Svix's `svix-*` (same scheme). */
export type StandardWebhooksHeaders = "webhook" | "svix";

export interface StandardWebhooksSignatureOptions {
  /** `whsec_<base64>` (or bare base64); several for rotation; or a function of the delivery's head (per endpoint). */
  secret: SecretSource;
  /** Default "whsec-base64": the `whsec_` prefix is dropped and the rest base64-decoded. */
  secretEncoding?: SecretEncoding;
  /** Default ±300 s around the verify context's clock. */
  toleranceSeconds?: number;
  /** Which header family `sign` writes. `verify` reads either (webhook-* first). Default "webhook". */
  headers?: StandardWebhooksHeaders;
  platform?: string;
}

/**
 * The id, timestamp and signature headers of one delivery, from whichever family the sender used.
 *
 * @example
 * const { id } = standardWebhookHeaders(request.headers); // webhook-id, else svix-id
 */
export function standardWebhookHeaders(headers: Readonly<Record<string, string>>) {
  const family: StandardWebhooksHeaders = headers["webhook-signature"] !== undefined ? "webhook" : "svix";
  return {
    id: headers[`${family}-id`],
    timestamp: headers[`${family}-timestamp`],
    signature: headers[`${family}-signature`],
  };
}

/**
 * Standard Webhooks v1 (and Svix): `webhook-signature: v1,<base64>` — a space-separated list (a repeated
 * header's ", "-joined copies too), any match passes, other versions (v1a, v2, …) are skipped — over `${id}.${timestamp}.${body}`, with a ±5 min window.
 *
 * @example
 * const scheme = standardWebhooksSignature({ secret: process.env.WEBHOOK_SECRET! }); // "whsec_…"
 */
export function standardWebhooksSignature(options: StandardWebhooksSignatureOptions): SignatureScheme {
  const platform = options.platform ?? "Standard Webhooks sender";
  const ring = keyring(
    { secret: options.secret, secretEncoding: options.secretEncoding ?? "whsec-base64", encoding: "base64" },
    platform,
  );
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const family = options.headers ?? "webhook";
  const content = (id: string, timestamp: string, body: Uint8Array) =>
    concatBytes(utf8(`${id}.${timestamp}.`), body);

  return {
    name: "standard-webhooks-v1",
    // Verify reads either family, whichever `sign` writes.
    headers: ["webhook-signature", "svix-signature"],
    ...(ring.lookup ? { secretLookup: ring.lookup } : {}),
    async verify(request, { crypto, now, keys }) {
      const sent = standardWebhookHeaders(request.headers);
      if (!carries(sent.signature)) return missingHeader("webhook-signature (or svix-signature)", platform);
      const seconds = parseUnixSeconds(sent.timestamp);
      const invalid = fail(
        "invalid_signature",
        "The webhook-signature header matches no configured secret over id.timestamp.body, or webhook-id / webhook-timestamp is missing. Pass the exact raw body and the endpoint's whsec_ secret.",
      );
      if (!sent.id || sent.timestamp === undefined) return invalid;
      // A ms or µs timestamp is checked like any other: only a signature that matches learns the unit.
      const unit = seconds === undefined ? finerUnit(sent.timestamp) : undefined;
      if (seconds === undefined && unit === undefined) return invalid;
      // Space-separated by the standard; a repeated header arrives joined with ", " ("v1,a, v1,b"), which
      // leaves a trailing comma on every entry but the last. Base64 never ends in a comma.
      const candidates = sent.signature.split(/\s+/).flatMap((token) => {
        const entry = token.endsWith(",") ? token.slice(0, -1) : token;
        return entry.startsWith("v1,") ? (ring.decode(entry.slice(3)) ?? []) : [];
      });
      const signed = content(sent.id, sent.timestamp, request.rawBody);
      if (!(await ring.match(crypto, signed, candidates, keys))) return invalid;
      if (seconds === undefined) return unit === undefined ? invalid : inFinerUnit("webhook-timestamp", unit);
      return withinTolerance(seconds, now, tolerance) ? OK : outOfRange("webhook-timestamp", tolerance);
    },
    async sign(input) {
      // A fresh message id when the caller gives none; a real sender keeps it across retries.
      const id = input.id ?? `msg_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
      const timestamp = String(input.timestamp ?? nowInSeconds());
      const signature = await ring.sign(content(id, timestamp, input.body), input);
      return {
        headers: {
          [`${family}-id`]: id,
          [`${family}-timestamp`]: timestamp,
          [`${family}-signature`]: `v1,${signature}`,
        },
        body: input.body,
      };
    },
  };
}
