import { defaultCrypto } from "../crypto.js";
import { concatBytes, utf8 } from "../encoding.js";
import { WebhookError } from "../errors.js";
import type { WebhookRequest } from "../types.js";
import {
  type DigestEncoding,
  decodeDigest,
  encodeDigest,
  type HmacAlgorithm,
  matchesAnyKey,
} from "./digest.js";
import { commaEntries, distinctTimestamps } from "./header-list.js";
import { fail, OK, type SignatureScheme, type SignInput, type VerifyOutcome } from "./scheme.js";
import { encodeSecrets, type SecretEncoding, type SecretInput } from "./secrets.js";
import { checkTolerance, nowInSeconds, parseUnixSeconds, withinTolerance } from "./timestamp.js";

/** The pieces a timestamped scheme signs: the timestamp exactly as sent, and the exact raw body. */
export interface TimestampedParts {
  timestamp: string;
  body: Uint8Array;
}

export interface TimestampedHmacSignatureOptions {
  /** Header that carries the signature(s), any case. */
  header: string;
  secret: SecretInput;
  /** How the secret string becomes key bytes. Default "utf8" (the string's bytes as they are). */
  secretEncoding?: SecretEncoding;
  algorithm?: HmacAlgorithm;
  /** Default "hex". */
  encoding?: DigestEncoding;
  /**
   * Where the timestamp travels: its own header (Slack: `{ header: "x-slack-request-timestamp" }`) or a
   * key of the signature header's `k=v,k=v` list (Stripe, Convoy: `{ key: "t" }`).
   */
  timestamp: { header: string } | { key: string };
  /**
   * When the signature header is a `k=v,k=v` list: the key of each signature (Stripe "v1"). Several may
   * appear; any match passes; other keys (v0, …) are ignored. Required with `timestamp: { key }`.
   */
  signatureKey?: string;
  /** For a single-value header: a prefix such as "v0=", accepted present or absent. */
  prefix?: string;
  /**
   * What is signed, as parts concatenated in order (strings as UTF-8, the body as its exact bytes).
   * Stripe: `({ timestamp, body }) => [timestamp, ".", body]`.
   */
  signedContent(parts: TimestampedParts): readonly (string | Uint8Array)[];
  /** Maximum distance between the signed timestamp and now. Default 300 s. */
  toleranceSeconds?: number;
  /** Human name of the platform, for messages. */
  platform?: string;
}

interface ParsedHeader {
  /** Distinct timestamps offered (a repeated header offers one per copy), at most MAX_TIMESTAMPS. */
  timestamps: string[];
  signatures: string[];
}

/**
 * Splits `t=1,v1=abc,v1=def` on commas, each pair at its first "=", keeping repeated keys.
 *
 * @example
 * parseKeyValueList("t=1,v1=ab,v1=cd"); // [["t","1"],["v1","ab"],["v1","cd"]]
 */
export function parseKeyValueList(value: string): [string, string][] {
  const pairs: [string, string][] = [];
  for (const item of value.split(",")) {
    const at = item.indexOf("=");
    if (at <= 0) continue;
    pairs.push([item.slice(0, at).trim(), item.slice(at + 1).trim()]);
  }
  return pairs;
}

/**
 * HMAC over a signed timestamp and the exact raw body, with a replay window — the shape of Stripe,
 * Slack, Convoy's advanced mode and many others. Use it in `defineProvider` for any such platform.
 *
 * @example
 * // Slack: X-Slack-Signature: v0=<hex> over `v0:${timestamp}:${body}`
 * const slack = timestampedHmacSignature({
 *   header: "x-slack-signature",
 *   prefix: "v0=",
 *   timestamp: { header: "x-slack-request-timestamp" },
 *   signedContent: ({ timestamp, body }) => ["v0:", timestamp, ":", body],
 *   secret: process.env.SLACK_SIGNING_SECRET!,
 * });
 */
export function timestampedHmacSignature(options: TimestampedHmacSignatureOptions): SignatureScheme {
  const header = options.header.toLowerCase();
  const platform = options.platform ?? "the sender";
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  const keys = encodeSecrets(options.secret, options.secretEncoding ?? "utf8", platform);
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const where = options.timestamp;
  const timestampHeader = "header" in where ? where.header.toLowerCase() : undefined;
  const timestampKey = "key" in where ? where.key : undefined;
  const signatureKey = options.signatureKey;
  if (timestampKey !== undefined && signatureKey === undefined) {
    throw new WebhookError(
      "invalid_config",
      `${platform}: timestampedHmacSignature needs signatureKey when the timestamp travels as a key of the signature header.`,
    );
  }
  const prefix = options.prefix ?? "";

  const content = (parts: TimestampedParts): Uint8Array =>
    concatBytes(
      ...options.signedContent(parts).map((part) => (typeof part === "string" ? utf8(part) : part)),
    );

  // A repeated header arrives joined with ", ": every entry is a candidate, every timestamp is tried.
  const parse = (request: WebhookRequest, value: string): ParsedHeader => {
    const fromHeader = () => (timestampHeader ? commaEntries(request.headers[timestampHeader] ?? "") : []);
    if (signatureKey === undefined) {
      const lower = prefix.toLowerCase();
      const signatures = commaEntries(value).map((text) =>
        lower && text.toLowerCase().startsWith(lower) ? text.slice(prefix.length) : text,
      );
      return { timestamps: distinctTimestamps(fromHeader()), signatures };
    }
    const pairs = parseKeyValueList(value);
    const timestamps = timestampHeader
      ? fromHeader()
      : pairs.filter(([key]) => key === timestampKey).map(([, t]) => t);
    return {
      timestamps: distinctTimestamps(timestamps),
      signatures: pairs.filter(([key]) => key === signatureKey).map(([, sig]) => sig),
    };
  };

  const invalid = () =>
    fail(
      "invalid_signature",
      `The ${header} header does not match the signed timestamp and body for any configured secret. Are you passing the exact raw request body (not re-serialised JSON), and the signing secret of this endpoint?`,
    );

  return {
    name: `timestamped-hmac-${algorithm}`,
    async verify(request, { crypto, now }): Promise<VerifyOutcome> {
      const value = request.headers[header];
      if (value === undefined || value.trim() === "") {
        return fail(
          "missing_signature",
          `The ${header} header is missing. ${platform} signs every delivery with it.`,
        );
      }
      const parsed = parse(request, value);
      const candidates = parsed.signatures.flatMap((text) => decodeDigest(text, encoding, algorithm) ?? []);
      let outOfRange = false;
      for (const timestamp of parsed.timestamps) {
        const seconds = parseUnixSeconds(timestamp);
        if (seconds === undefined) continue;
        const signed = content({ timestamp, body: request.rawBody });
        if (!(await matchesAnyKey(crypto, algorithm, keys, signed, candidates))) continue;
        if (withinTolerance(seconds, now, tolerance)) return OK;
        outOfRange = true;
      }
      // Checked after the signature so an attacker learns nothing about the window from forged requests.
      if (outOfRange) {
        return fail(
          "timestamp_out_of_range",
          `The signed timestamp is more than ${tolerance} s away from this server's clock: a replayed delivery, or a clock out of sync (check NTP).`,
        );
      }
      return invalid();
    },
    async sign(input: SignInput) {
      const key = keys[input.secretIndex ?? 0] ?? keys[0]!;
      const timestamp = String(input.timestamp ?? nowInSeconds());
      const digest = await (input.crypto ?? defaultCrypto()).hmac(
        algorithm,
        key,
        content({ timestamp, body: input.body }),
      );
      const text = encodeDigest(digest, encoding);
      const headers: Record<string, string> = {};
      if (timestampHeader) headers[timestampHeader] = timestamp;
      if (signatureKey === undefined) headers[header] = `${prefix}${text}`;
      else headers[header] = `${timestampKey ? `${timestampKey}=${timestamp},` : ""}${signatureKey}=${text}`;
      return { headers, body: input.body };
    },
  };
}
