import { defaultCrypto } from "../crypto.js";
import { fromBase64, fromHex, toBase64, toHex } from "../encoding.js";
import { WebhookError } from "../errors.js";
import type { WebhookRequest } from "../types.js";
import { matchesAnyKey } from "./digest.js";
import { commaEntries } from "./header-list.js";
import { fail, OK, type SignatureScheme, type SignInput, type VerifyOutcome } from "./scheme.js";
import { encodeSecrets, type SecretEncoding, type SecretInput } from "./secrets.js";

export interface HmacSignatureOptions {
  /**
   * Header that carries the signature, any case. Several names when the platform's pages disagree: each
   * one present is read (`sign` writes the first).
   */
  header: string | readonly string[];
  secret: SecretInput;
  /** How the secret string becomes key bytes. Default "utf8" (the string's bytes as they are). */
  secretEncoding?: SecretEncoding;
  /** Digest encoding the sender uses. "auto" accepts hex (any case) or base64. Default "hex". */
  encoding?: "hex" | "base64" | "auto";
  /** Prefix such as "sha256=". Accepted present or absent (any case) unless `prefixRequired`. */
  prefix?: string;
  prefixRequired?: boolean;
  algorithm?: "sha256" | "sha512";
  /** Human name of the platform, for error messages. */
  platform?: string;
}

/**
 * HMAC over the exact raw body, one signature in one header — the scheme of EUlabel, N'entropy,
 * GitHub, Shopify and most SaaS senders.
 *
 * @example
 * const signature = hmacSignature({ header: "x-acme-signature", prefix: "sha256=", secret: process.env.ACME_SECRET! });
 */
export function hmacSignature(options: HmacSignatureOptions): SignatureScheme {
  const names = (typeof options.header === "string" ? [options.header] : [...options.header]).map((name) =>
    name.toLowerCase(),
  );
  if (names.length === 0) {
    throw new WebhookError("invalid_config", "hmacSignature: name at least one signature header.");
  }
  const header = names[0]!;
  const named = names.length === 1 ? header : `${header} (or ${names.slice(1).join(", ")})`;
  const platform = options.platform ?? "the sender";
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  const prefix = options.prefix?.toLowerCase() ?? "";
  const keys = encodeSecrets(options.secret, options.secretEncoding ?? "utf8", platform);
  const digestLength = algorithm === "sha256" ? 32 : 64;

  const decode = (value: string): Uint8Array | undefined => {
    let text = value.trim();
    if (prefix && text.toLowerCase().startsWith(prefix)) text = text.slice(prefix.length);
    else if (prefix && options.prefixRequired) return undefined;
    const hex = encoding !== "base64" ? fromHex(text) : undefined;
    const bytes = hex ?? (encoding !== "hex" ? fromBase64(text) : undefined);
    return bytes?.length === digestLength ? bytes : undefined;
  };

  return {
    name: `hmac-${algorithm}`,
    async verify(request: WebhookRequest, { crypto }): Promise<VerifyOutcome> {
      const present: string[] = [];
      for (const name of names) {
        const value = request.headers[name];
        if (value !== undefined && value.trim() !== "") present.push(value);
      }
      if (present.length === 0) {
        return fail(
          "missing_signature",
          `The ${named} header is missing. ${platform} signs every delivery with it: check that the request comes from ${platform} and that no proxy strips the header.`,
        );
      }
      // A repeated header arrives joined ("sha256=a, sha256=b"): any valid entry verifies.
      const candidates = present.flatMap((value) =>
        commaEntries(value).flatMap((entry) => decode(entry) ?? []),
      );
      if (await matchesAnyKey(crypto, algorithm, keys, request.rawBody, candidates)) return OK;
      return fail(
        "invalid_signature",
        `The ${named} header does not match the body for any configured secret. Are you passing the exact raw request body (not re-serialised JSON), and the signing secret of this endpoint?`,
      );
    },
    async sign(input: SignInput) {
      const key = keys[input.secretIndex ?? 0] ?? keys[0]!;
      const digest = await (input.crypto ?? defaultCrypto()).hmac(algorithm, key, input.body);
      const text = encoding === "base64" ? toBase64(digest) : toHex(digest);
      return { headers: { [header]: `${options.prefix ?? ""}${text}` }, body: input.body };
    },
  };
}
