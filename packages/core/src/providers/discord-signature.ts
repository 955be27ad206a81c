import { concatBytes, fromHex, utf8 } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import { carries } from "../signature/header-list.js";
import { mismatch, missingHeader, OK, type SignatureScheme } from "../signature/scheme.js";
import { checkTolerance, outOfRange, parseUnixSeconds, withinTolerance } from "../signature/timestamp.js";

/*
 * Discord's Ed25519 check, kept to this one file until the kit's general `ed25519Signature` scheme (issue #22
 * item 2, another branch) lands: then Discord's preset should use it and this file goes.
 */

// Web Crypto's Ed25519 runs on Node ≥ 20 and every Edge runtime: one code path, no dependency.
const ED25519 = { name: "Ed25519" } as const;

export interface DiscordSignatureOptions {
  /** The application's Public Key (64 hex digits, General Information page). */
  publicKey: string;
  /** Replay window around the receiver's clock. Default 300 s. */
  toleranceSeconds?: number;
}

/**
 * `X-Signature-Ed25519` (128 hex digits) over `{X-Signature-Timestamp}{raw body}`, verified with the
 * application's public key. Discord signs with its private key, so `sign` is only in `@webhook-kit/testing`.
 */
export function discordSignature(options: DiscordSignatureOptions): SignatureScheme {
  const raw = typeof options.publicKey === "string" ? fromHex(options.publicKey.trim()) : undefined;
  if (raw?.length !== 32) {
    throw invalidConfig(
      "publicKey must be the application's Public Key: 64 hex digits from the Discord Developer Portal (General Information).",
      "Discord",
    );
  }
  const tolerance = checkTolerance(options.toleranceSeconds, 300, "Discord");
  let key: Promise<CryptoKey> | undefined;
  const publicKey = () => {
    key ??= globalThis.crypto.subtle.importKey("raw", raw as BufferSource, ED25519, false, ["verify"]);
    return key;
  };
  return {
    name: "ed25519",
    headers: ["x-signature-ed25519"],
    async verify(request, { now }) {
      const signature = request.headers["x-signature-ed25519"];
      const timestamp = request.headers["x-signature-timestamp"];
      if (!carries(signature)) return missingHeader("x-signature-ed25519", "Discord");
      if (!carries(timestamp)) return missingHeader("x-signature-timestamp", "Discord");
      const bytes = fromHex(signature.trim());
      if (bytes?.length !== 64) return mismatch("x-signature-ed25519 header", "the timestamp and body");
      const signed = concatBytes(utf8(timestamp), request.rawBody);
      const valid = await globalThis.crypto.subtle.verify(
        ED25519,
        await publicKey(),
        bytes as BufferSource,
        signed as BufferSource,
      );
      if (!valid) return mismatch("x-signature-ed25519 header", "the timestamp and body");
      // Checked after the signature, so a forged request learns nothing about the window.
      const seconds = parseUnixSeconds(timestamp);
      if (seconds === undefined || !withinTolerance(seconds, now, tolerance)) {
        return outOfRange("X-Signature-Timestamp", tolerance);
      }
      return OK;
    },
    sign() {
      return Promise.reject(
        invalidConfig(
          "Discord signs with its private key, which a receiver never holds: sign test deliveries with @webhook-kit/testing (platforms.discord).",
          "Discord",
        ),
      );
    },
  };
}
