import { invalidConfig } from "../errors.js";
import { carries, prefixReader, signatureTexts } from "./header-list.js";
import { type KeyOptions, keyring } from "./keyring.js";
import { mismatch, missingHeader, OK, type SignatureScheme } from "./scheme.js";

export interface HmacSignatureOptions extends KeyOptions {
  /**
   * Header that carries the signature, any case. Several names when the platform's pages disagree: each
   * one present is read (`sign` writes the first).
   */
  header: string | readonly string[];
  /** Prefix such as "sha256=". Accepted present or absent (any case) unless `prefixRequired`. */
  prefix?: string;
  prefixRequired?: boolean;
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
    throw invalidConfig("name at least one signature header.", "hmacSignature");
  }
  const header = names[0]!;
  const named = names.length === 1 ? header : `${header} (or ${names.slice(1).join(", ")})`;
  const platform = options.platform ?? "the sender";
  const ring = keyring(options, platform);
  const readPrefix = prefixReader(options.prefix, options.prefixRequired);

  return {
    name: `hmac-${ring.algorithm}`,
    headers: names,
    ...(ring.lookup ? { secretLookup: ring.lookup } : {}),
    verify(request, { crypto, keys }) {
      // Every entry of every header present: a repeated header arrives joined ("sha256=a, sha256=b").
      let present = false;
      const candidates: Uint8Array[] = [];
      for (const name of names) {
        const value = request.headers[name];
        if (!carries(value)) continue;
        present = true;
        for (const text of signatureTexts(value, readPrefix)) {
          const digest = ring.decode(text);
          if (digest) candidates.push(digest);
        }
      }
      if (!present) return missingHeader(named, platform);
      const verdict = (ok: boolean) => (ok ? OK : mismatch(`${named} header`, "the body"));
      const matched = ring.match(crypto, request.rawBody, candidates, keys);
      return matched instanceof Promise ? matched.then(verdict) : verdict(matched);
    },
    async sign(input) {
      const text = await ring.sign(input.body, input);
      return { headers: { [header]: `${options.prefix ?? ""}${text}` }, body: input.body };
    },
  };
}
