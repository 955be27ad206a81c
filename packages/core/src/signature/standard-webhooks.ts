import { defaultCrypto } from "../crypto.js";
import { concatBytes, toBase64, utf8 } from "../encoding.js";
import { decodeDigest, matchesAnyKey } from "./digest.js";
import { fail, OK, type SignatureScheme, type SignInput, type VerifyOutcome } from "./scheme.js";
import { encodeSecrets, type SecretEncoding, type SecretInput } from "./secrets.js";
import { checkTolerance, nowInSeconds, parseUnixSeconds, withinTolerance } from "./timestamp.js";

/** Which header family a sender uses: the standard's `webhook-*` or Svix's `svix-*` (same scheme). */
export type StandardWebhooksHeaders = "webhook" | "svix";

export interface StandardWebhooksSignatureOptions {
  /** `whsec_<base64>` (or bare base64); several for rotation. */
  secret: SecretInput;
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
  const keys = encodeSecrets(options.secret, options.secretEncoding ?? "whsec-base64", platform);
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const family = options.headers ?? "webhook";
  const content = (id: string, timestamp: string, body: Uint8Array) =>
    concatBytes(utf8(`${id}.${timestamp}.`), body);

  return {
    name: "standard-webhooks-v1",
    async verify(request, { crypto, now }): Promise<VerifyOutcome> {
      const sent = standardWebhookHeaders(request.headers);
      if (!sent.signature?.trim()) {
        return fail(
          "missing_signature",
          `The webhook-signature (or svix-signature) header is missing. ${platform} signs every delivery with it.`,
        );
      }
      const seconds = parseUnixSeconds(sent.timestamp);
      const invalid = fail(
        "invalid_signature",
        "The webhook-signature header matches no configured secret over id.timestamp.body, or webhook-id / webhook-timestamp is missing. Pass the exact raw body and the endpoint's whsec_ secret.",
      );
      if (!sent.id || sent.timestamp === undefined || seconds === undefined) return invalid;
      // Space-separated by the standard; a repeated header arrives joined with ", " ("v1,a, v1,b"), which
      // leaves a trailing comma on every entry but the last. Base64 never ends in a comma.
      const candidates = sent.signature.split(/\s+/).flatMap((token) => {
        const entry = token.endsWith(",") ? token.slice(0, -1) : token;
        return entry.startsWith("v1,") ? (decodeDigest(entry.slice(3), "base64", "sha256") ?? []) : [];
      });
      const signed = content(sent.id, sent.timestamp, request.rawBody);
      if (!(await matchesAnyKey(crypto, "sha256", keys, signed, candidates))) return invalid;
      if (!withinTolerance(seconds, now, tolerance)) {
        return fail(
          "timestamp_out_of_range",
          `webhook-timestamp is more than ${tolerance} s away from this server's clock: a replayed delivery, or a clock out of sync (check NTP).`,
        );
      }
      return OK;
    },
    async sign(input: SignInput) {
      const key = keys[input.secretIndex ?? 0] ?? keys[0]!;
      // A fresh message id when the caller gives none; a real sender keeps it across retries.
      const id = input.id ?? `msg_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
      const timestamp = String(input.timestamp ?? nowInSeconds());
      const digest = await (input.crypto ?? defaultCrypto()).hmac(
        "sha256",
        key,
        content(id, timestamp, input.body),
      );
      return {
        headers: {
          [`${family}-id`]: id,
          [`${family}-timestamp`]: timestamp,
          [`${family}-signature`]: `v1,${toBase64(digest)}`,
        },
        body: input.body,
      };
    },
  };
}
