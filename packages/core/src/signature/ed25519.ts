import { concatBytes, fromBase64, fromHex, toBase64, toHex, utf8 } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import type { DigestEncoding } from "./digest.js";
import { type Ed25519KeyOptions, ed25519Ring, MAX_ED25519_SIGNATURES } from "./ed25519-ring.js";
import { carries, commaEntries, distinctTimestamps, prefixReader, signatureTexts } from "./header-list.js";
import { fail, missingHeader, OK, type SignatureScheme, type VerifyOutcome } from "./scheme.js";
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

/** The pieces an Ed25519 scheme may sign: the timestamp exactly as sent ("" without one), and the raw body. */
export interface Ed25519SignedParts {
  timestamp: string;
  body: Uint8Array;
}

export interface Ed25519SignatureOptions extends Ed25519KeyOptions {
  /** Header that carries the signature, any case. Several names when a platform's pages disagree. */
  header: string | readonly string[];
  /** How the 64-byte signature travels as text. "auto" accepts hex or base64. Default "hex" (Discord's). */
  encoding?: DigestEncoding;
  /** Prefix such as "ed25519=". Accepted present or absent (any case) unless `prefixRequired`. */
  prefix?: string;
  prefixRequired?: boolean;
  /** Where a signed timestamp travels (Discord: `{ header: "x-signature-timestamp" }`). */
  timestamp?: { header: string };
  /**
   * What is signed, as parts concatenated in order (strings as UTF-8, the body as its exact bytes).
   * Default: `[timestamp, body]` with a timestamp (Discord's), else the body alone.
   */
  signedContent?(parts: Ed25519SignedParts): readonly (string | Uint8Array)[];
  /** Maximum distance between the signed timestamp and now, with `timestamp`. Default 300 s. */
  toleranceSeconds?: number;
}

/** No signature verifies under any key: names the header and what is signed, never a key. */
export const noValidSignature = (where: string, what: string): VerifyOutcome =>
  fail(
    "invalid_signature",
    `The ${where} holds no valid Ed25519 signature of ${what} under any configured public key. Are you passing the exact raw request body (not re-serialised JSON), and the sender's public key for this endpoint?`,
  );

/** A 64-byte signature from its text; undefined when malformed or of another length. */
export function decodeEd25519Signature(text: string, encoding: DigestEncoding): Uint8Array | undefined {
  const hex = encoding !== "base64" ? fromHex(text) : undefined;
  const bytes = hex ?? (encoding !== "hex" ? fromBase64(text) : undefined);
  return bytes?.length === 64 ? bytes : undefined;
}

/**
 * Ed25519 over the exact raw body, or over a signed timestamp and the body — the scheme of Discord
 * interactions and other senders that publish a public key instead of sharing a secret. Use it in
 * `defineProvider` for any such platform; the receiver holds only the public key.
 *
 * @example
 * // Discord: X-Signature-Ed25519 (hex) over `${timestamp}${body}`, timestamp in X-Signature-Timestamp
 * const discord = ed25519Signature({
 *   header: "x-signature-ed25519",
 *   timestamp: { header: "x-signature-timestamp" },
 *   signedContent: ({ timestamp, body }) => [timestamp, body],
 *   publicKey: process.env.DISCORD_PUBLIC_KEY!, // hex, from the application's page
 * });
 */
export function ed25519Signature(options: Ed25519SignatureOptions): SignatureScheme {
  const names = (typeof options.header === "string" ? [options.header] : [...options.header]).map((name) =>
    name.toLowerCase(),
  );
  const platform = options.platform ?? "the sender";
  if (names.length === 0) throw invalidConfig("name at least one signature header.", platform);
  const header = names[0]!;
  const named = names.length === 1 ? header : `${header} (or ${names.slice(1).join(", ")})`;
  const ring = ed25519Ring(options, platform);
  const encoding = options.encoding ?? "hex";
  const readPrefix = prefixReader(options.prefix, options.prefixRequired);
  const timestampHeader = options.timestamp?.header.toLowerCase();
  const tolerance = checkTolerance(options.toleranceSeconds, 300, platform);
  const parts =
    options.signedContent ??
    (timestampHeader ? ({ timestamp, body }: Ed25519SignedParts) => [timestamp, body] : ({ body }) => [body]);
  const content = (signed: Ed25519SignedParts): Uint8Array =>
    concatBytes(...parts(signed).map((part) => (typeof part === "string" ? utf8(part) : part)));

  return {
    name: "ed25519",
    headers: names,
    async verify(request, { crypto, now }) {
      let present = false;
      const candidates: Uint8Array[] = [];
      for (const name of names) {
        const value = request.headers[name];
        if (!carries(value)) continue;
        present = true;
        for (const text of signatureTexts(value, readPrefix)) {
          const signature = decodeEd25519Signature(text, encoding);
          if (signature) candidates.push(signature);
        }
      }
      if (!present) return missingHeader(named, platform);
      const what = timestampHeader ? "the signed timestamp and body" : "the body";
      if (!timestampHeader) {
        const ok = await ring.match(crypto, content({ timestamp: "", body: request.rawBody }), candidates);
        return ok ? OK : noValidSignature(`${named} header`, what);
      }
      // As with the HMAC schemes: every timestamp of a repeated header is tried; the window is checked
      // only after a signature matched, so a forger learns nothing about it.
      let expired = false;
      let unit: FinerUnit | undefined;
      // One budget for all timestamps: 4 timestamps × 8 signatures would otherwise buy 32 × keys verifications.
      const budget = { left: MAX_ED25519_SIGNATURES };
      for (const timestamp of distinctTimestamps(commaEntries(request.headers[timestampHeader] ?? ""))) {
        const seconds = parseUnixSeconds(timestamp);
        const finer = seconds === undefined ? finerUnit(timestamp) : undefined;
        if (seconds === undefined && finer === undefined) continue;
        if (!(await ring.match(crypto, content({ timestamp, body: request.rawBody }), candidates, budget)))
          continue;
        if (finer !== undefined) unit = finer;
        else if (withinTolerance(seconds as number, now, tolerance)) return OK;
        else expired = true;
      }
      if (unit !== undefined) return inFinerUnit("The signed timestamp", unit);
      if (expired) return outOfRange("The signed timestamp", tolerance);
      return noValidSignature(`${named} header`, what);
    },
    async sign(input) {
      const timestamp = timestampHeader ? String(input.timestamp ?? nowInSeconds()) : "";
      const signature = await ring.sign(content({ timestamp, body: input.body }), input);
      const text = encoding === "base64" ? toBase64(signature) : toHex(signature);
      const headers: Record<string, string> = { [header]: `${options.prefix ?? ""}${text}` };
      if (timestampHeader) headers[timestampHeader] = timestamp;
      return { headers, body: input.body };
    },
  };
}
