import { concatBytes, utf8 } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import type { WebhookRequest } from "../types.js";
import {
  carries,
  commaEntries,
  distinctTimestamps,
  parseKeyValueList,
  prefixReader,
  signatureTexts,
} from "./header-list.js";
import { type KeyOptions, keyring } from "./keyring.js";
import { mismatch, missingHeader, OK, type SignatureScheme } from "./scheme.js";
import {
  checkTolerance,
  type FinerUnit,
  finerUnit,
  inFinerUnit,
  nowInSeconds,
  outOfRange,
  parseUnixSeconds,
  withinTolerance,
} from "./timestamp.js";

/** The pieces a timestamped scheme signs: the timestamp exactly as sent, and the exact raw body. */
export interface TimestampedParts {
  timestamp: string;
  body: Uint8Array;
}

export interface TimestampedHmacSignatureOptions extends KeyOptions {
  /** Header that carries the signature(s), any case. */
  header: string;
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
}

interface ParsedHeader {
  /** Distinct timestamps offered (a repeated header offers one per copy), at most MAX_TIMESTAMPS. */
  timestamps: string[];
  signatures: string[];
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
  const ring = keyring(options, platform);
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const where = options.timestamp;
  const timestampHeader = "header" in where ? where.header.toLowerCase() : undefined;
  const timestampKey = "key" in where ? where.key : undefined;
  const signatureKey = options.signatureKey;
  if (timestampKey !== undefined && signatureKey === undefined) {
    throw invalidConfig(
      "timestampedHmacSignature needs signatureKey when the timestamp travels as a key of the signature header.",
      platform,
    );
  }
  const prefix = options.prefix ?? "";
  const readPrefix = prefixReader(prefix);

  const content = (parts: TimestampedParts): Uint8Array =>
    concatBytes(
      ...options.signedContent(parts).map((part) => (typeof part === "string" ? utf8(part) : part)),
    );

  // A repeated header arrives joined with ", ": every entry is a candidate, every timestamp is tried.
  const parse = (request: WebhookRequest, value: string): ParsedHeader => {
    const fromHeader = () => (timestampHeader ? commaEntries(request.headers[timestampHeader] ?? "") : []);
    if (signatureKey === undefined) {
      return { timestamps: distinctTimestamps(fromHeader()), signatures: signatureTexts(value, readPrefix) };
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

  return {
    name: `timestamped-hmac-${ring.algorithm}`,
    headers: [header],
    ...(ring.lookup ? { secretLookup: ring.lookup } : {}),
    async verify(request, { crypto, now, keys }) {
      const value = request.headers[header];
      if (!carries(value)) return missingHeader(header, platform);
      const parsed = parse(request, value);
      const candidates = parsed.signatures.flatMap((text) => ring.decode(text) ?? []);
      let expired = false;
      let unit: FinerUnit | undefined;
      for (const timestamp of parsed.timestamps) {
        const seconds = parseUnixSeconds(timestamp);
        const finer = seconds === undefined ? finerUnit(timestamp) : undefined;
        if (seconds === undefined && finer === undefined) continue;
        const signed = content({ timestamp, body: request.rawBody });
        if (!(await ring.match(crypto, signed, candidates, keys))) continue;
        // A ms or µs timestamp is signed but cannot be placed in the window: only its unit is reported.
        if (finer !== undefined) unit = finer;
        else if (withinTolerance(seconds as number, now, tolerance)) return OK;
        else expired = true;
      }
      // Checked after the signature so an attacker learns nothing about the window from forged requests.
      if (unit !== undefined) return inFinerUnit("The signed timestamp", unit);
      if (expired) return outOfRange("The signed timestamp", tolerance);
      return mismatch(`${header} header`, "the signed timestamp and body");
    },
    async sign(input) {
      const timestamp = String(input.timestamp ?? nowInSeconds());
      const text = await ring.sign(content({ timestamp, body: input.body }), input);
      const headers: Record<string, string> = {};
      if (timestampHeader) headers[timestampHeader] = timestamp;
      if (signatureKey === undefined) headers[header] = `${prefix}${text}`;
      else headers[header] = `${timestampKey ? `${timestampKey}=${timestamp},` : ""}${signatureKey}=${text}`;
      return { headers, body: input.body };
    },
  };
}
