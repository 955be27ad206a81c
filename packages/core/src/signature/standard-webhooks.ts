import { concatBytes, fromBase64, toBase64, utf8 } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import type { Ed25519KeyInput } from "./ed25519-keys.js";
import { ed25519Ring } from "./ed25519-ring.js";
import { carries } from "./header-list.js";
import { keyring } from "./keyring.js";
import { fail, missingHeader, OK, type SignatureScheme } from "./scheme.js";
import { isSecretLookup, type SecretEncoding, type SecretSource } from "./secrets.js";
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
  /**
   * `whsec_<base64>` (or bare base64); several for rotation. A `whpk_…` or `whsk_…` entry is taken as an
   * Ed25519 public or private key (as the standard's own libraries do), never as an HMAC secret. Or a
   * function of the delivery's head (per endpoint; see docs/secrets.md): what it returns is taken as `whsec_`
   * secrets (`v1`) only.
   */
  secret?: SecretSource;
  /** The sender's Ed25519 public key(s) (`whpk_…`, hex, base64, PEM or 32 bytes): verifies `v1a` signatures. */
  publicKey?: Ed25519KeyInput;
  /** Ed25519 private key(s) (`whsk_…`, …) for signing `v1a` (test kits, senders); they verify too. */
  privateKey?: Ed25519KeyInput;
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

/** The configured keys split by kind: `whpk_` / `whsk_` entries of `secret` join the Ed25519 keys. */
function splitKeys(options: StandardWebhooksSignatureOptions): {
  secrets: SecretSource;
  publicKeys: (string | Uint8Array)[];
  privateKeys: (string | Uint8Array)[];
} {
  const asList = (input: Ed25519KeyInput | undefined) =>
    (Array.isArray(input) ? input : input === undefined ? [] : [input]) as (string | Uint8Array)[];
  // A looked-up secret is known per delivery only: its results are HMAC secrets; Ed25519 keys stay static.
  if (options.secret !== undefined && isSecretLookup(options.secret))
    return {
      secrets: options.secret,
      publicKeys: asList(options.publicKey),
      privateKeys: asList(options.privateKey),
    };
  const entries = (
    Array.isArray(options.secret) ? options.secret : options.secret === undefined ? [] : [options.secret]
  ) as (string | Uint8Array)[];
  const isText = (prefix: string) => (entry: string | Uint8Array) =>
    typeof entry === "string" && entry.trim().startsWith(prefix);
  return {
    secrets: entries.filter((entry) => !isText("whpk_")(entry) && !isText("whsk_")(entry)),
    publicKeys: [...asList(options.publicKey), ...entries.filter(isText("whpk_"))],
    privateKeys: [...asList(options.privateKey), ...entries.filter(isText("whsk_"))],
  };
}

/** One `webhook-signature` entry: its version and its signature text ("v1a,abc" → ["v1a", "abc"]). */
function entryOf(token: string): [string, string] | undefined {
  // A repeated header arrives joined with ", " ("v1,a, v1,b"), which leaves a trailing comma on every entry
  // but the last. Base64 never ends in a comma.
  const entry = token.endsWith(",") ? token.slice(0, -1) : token;
  const at = entry.indexOf(",");
  return at > 0 ? [entry.slice(0, at), entry.slice(at + 1)] : undefined;
}

/**
 * Standard Webhooks (and Svix): `webhook-signature: v1,<base64>` (HMAC-SHA256 with a `whsec_` secret) and
 * `v1a,<base64>` (Ed25519 with the sender's `whpk_` public key), over `${id}.${timestamp}.${body}`, with a
 * ±5 min window. The header is a space-separated list (a repeated header's ", "-joined copies too): any entry
 * that matches a configured key passes; entries of other versions (v2, v2a, …) are skipped.
 *
 * @example
 * const scheme = standardWebhooksSignature({ secret: process.env.WEBHOOK_SECRET! }); // "whsec_…"
 * const asymmetric = standardWebhooksSignature({ publicKey: process.env.WEBHOOK_PUBLIC_KEY! }); // "whpk_…"
 */
export function standardWebhooksSignature(options: StandardWebhooksSignatureOptions): SignatureScheme {
  const platform = options.platform ?? "Standard Webhooks sender";
  const keys = splitKeys(options);
  const asymmetric = keys.publicKeys.length > 0 || keys.privateKeys.length > 0;
  const hasSecrets = isSecretLookup(keys.secrets) || keys.secrets.length > 0;
  if (!hasSecrets && !asymmetric) {
    throw invalidConfig(
      'pass the endpoint\'s signing secret (secret: "whsec_…") or, for Ed25519 (v1a) signatures, the sender\'s public key (publicKey: "whpk_…").',
      platform,
    );
  }
  const ring = hasSecrets
    ? keyring(
        {
          secret: keys.secrets,
          secretEncoding: options.secretEncoding ?? "whsec-base64",
          encoding: "base64",
        },
        platform,
      )
    : undefined;
  const edRing = asymmetric
    ? ed25519Ring(
        {
          ...(keys.publicKeys.length > 0 ? { publicKey: keys.publicKeys } : {}),
          ...(keys.privateKeys.length > 0 ? { privateKey: keys.privateKeys } : {}),
        },
        platform,
      )
    : undefined;
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const family = options.headers ?? "webhook";
  const content = (id: string, timestamp: string, body: Uint8Array) =>
    concatBytes(utf8(`${id}.${timestamp}.`), body);
  const configured = [ring ? "whsec_ secret (v1)" : "", edRing ? "public key (v1a)" : ""]
    .filter(Boolean)
    .join(" or ");

  return {
    name:
      ring && edRing ? "standard-webhooks-v1+v1a" : edRing ? "standard-webhooks-v1a" : "standard-webhooks-v1",
    // Verify reads either family, whichever `sign` writes.
    headers: ["webhook-signature", "svix-signature"],
    ...(ring?.lookup ? { secretLookup: ring.lookup } : {}),
    async verify(request, { crypto, now, keys: endpointKeys }) {
      const sent = standardWebhookHeaders(request.headers);
      if (!carries(sent.signature)) return missingHeader("webhook-signature (or svix-signature)", platform);
      const seconds = parseUnixSeconds(sent.timestamp);
      const invalid = fail(
        "invalid_signature",
        `The webhook-signature header matches no configured ${configured} over id.timestamp.body, or webhook-id / webhook-timestamp is missing. Pass the exact raw body and this endpoint's keys.`,
      );
      if (!sent.id || sent.timestamp === undefined) return invalid;
      // A ms or µs timestamp is checked like any other: only a signature that matches learns the unit.
      const unit = seconds === undefined ? finerUnit(sent.timestamp) : undefined;
      if (seconds === undefined && unit === undefined) return invalid;
      const hmacCandidates: Uint8Array[] = [];
      const edCandidates: Uint8Array[] = [];
      for (const token of sent.signature.split(/\s+/)) {
        const [version, text] = entryOf(token) ?? [];
        if (text === undefined) continue;
        if (version === "v1" && ring) {
          const digest = ring.decode(text);
          if (digest) hmacCandidates.push(digest);
        } else if (version === "v1a" && edRing) {
          const signature = fromBase64(text);
          if (signature?.length === 64) edCandidates.push(signature);
        }
      }
      const signed = content(sent.id, sent.timestamp, request.rawBody);
      // HMAC first: microseconds, where an Ed25519 verification costs tens of them.
      const matched =
        (ring !== undefined && (await ring.match(crypto, signed, hmacCandidates, endpointKeys))) ||
        (edRing !== undefined && (await edRing.match(crypto, signed, edCandidates)));
      if (!matched) return invalid;
      if (seconds === undefined) return unit === undefined ? invalid : inFinerUnit("webhook-timestamp", unit);
      return withinTolerance(seconds, now, tolerance) ? OK : outOfRange("webhook-timestamp", tolerance);
    },
    async sign(input) {
      // A fresh message id when the caller gives none; a real sender keeps it across retries.
      const id = input.id ?? `msg_${globalThis.crypto.randomUUID().replaceAll("-", "")}`;
      const timestamp = String(input.timestamp ?? nowInSeconds());
      const signed = content(id, timestamp, input.body);
      // Every kind of key the scheme can sign with, space-separated as the standard lists several.
      const signatures: string[] = [];
      if (ring) signatures.push(`v1,${await ring.sign(signed, input)}`);
      if (edRing?.canSign) signatures.push(`v1a,${toBase64(await edRing.sign(signed, input))}`);
      // Only a public key: sign() says a private key is needed.
      if (signatures.length === 0 && edRing) await edRing.sign(signed, input);
      return {
        headers: {
          [`${family}-id`]: id,
          [`${family}-timestamp`]: timestamp,
          [`${family}-signature`]: signatures.join(" "),
        },
        body: input.body,
      };
    },
  };
}
