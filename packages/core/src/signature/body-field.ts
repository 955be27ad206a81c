import { defaultCrypto } from "../crypto.js";
import { decodeUtf8 } from "../encoding.js";
import { WebhookError } from "../errors.js";
import {
  type DigestEncoding,
  decodeDigest,
  digestLength,
  encodeDigest,
  type HmacAlgorithm,
  matchesAnyKey,
} from "./digest.js";
import { appendMember, findMember, withoutMember } from "./json-member.js";
import { fail, OK, type SignatureScheme, type SignInput, type VerifyOutcome } from "./scheme.js";
import { encodeSecrets, type SecretEncoding, type SecretInput } from "./secrets.js";

/** Computes the bytes a body-embedded signature covers, from the exact raw body and its parsed form. */
export type SignedContentFn = (rawBody: Uint8Array, parsed: Readonly<Record<string, unknown>>) => Uint8Array;

export interface BodyFieldSignatureOptions {
  /** Top-level JSON member that carries the signature. Default "signature". */
  field?: string;
  secret: SecretInput;
  secretEncoding?: SecretEncoding;
  algorithm?: HmacAlgorithm;
  /** Default "hex" (either case). */
  encoding?: DigestEncoding;
  /** Optional prefix on the value, such as "sha256=", accepted present or absent. */
  prefix?: string;
  /**
   * What is signed. Default: the exact raw body with the signature member removed byte-exactly
   * (see `withoutMember`). Override when the platform documents another rule.
   */
  signedContent?: SignedContentFn;
  platform?: string;
}

/**
 * The default signed content: the raw body minus the one top-level `field` member, byte-exactly;
 * undefined when the member is absent, duplicated, or the body is not a JSON object.
 *
 * @example
 * bodyWithoutField(utf8Bytes('{"event":"x","signature":"ab"}')); // bytes of '{"event":"x"}'
 */
export function bodyWithoutField(rawBody: Uint8Array, field = "signature"): Uint8Array | undefined {
  const found = findMember(rawBody, field);
  return found ? withoutMember(rawBody, found.all, found.index) : undefined;
}

/**
 * HMAC carried inside the JSON body (`{ …, "signature": "<hex>" }`). By default it covers the exact body
 * bytes with the signature member cut out — never a re-serialised object. A duplicated signature member is
 * refused as ambiguous.
 *
 * @example
 * const scheme = bodyFieldSignature({ field: "signature", secret: process.env.SHIPPING_SECRET! });
 */
export function bodyFieldSignature(options: BodyFieldSignatureOptions): SignatureScheme {
  const field = options.field ?? "signature";
  const platform = options.platform ?? "the sender";
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  const prefix = options.prefix ?? "";
  const keys = encodeSecrets(options.secret, options.secretEncoding ?? "utf8", platform);

  const missing = () =>
    fail(
      "missing_signature",
      `The body carries no single top-level "${field}" string. ${platform} puts its signature there; is the body the exact JSON it sent?`,
    );
  const invalid = () =>
    fail(
      "invalid_signature",
      `The "${field}" member does not match the body for any configured secret. Pass the exact raw request body (not re-serialised JSON) and the endpoint's signing secret.`,
    );

  return {
    name: `body-field-hmac-${algorithm}`,
    async verify(request, { crypto }): Promise<VerifyOutcome> {
      const found = findMember(request.rawBody, field);
      if (!found) return missing();
      const member = found.all.members[found.index]!;
      let value: unknown;
      let parsed: Record<string, unknown>;
      try {
        value = JSON.parse(decodeUtf8(request.rawBody.subarray(member.valueStart, member.valueEnd)));
        parsed = options.signedContent
          ? (JSON.parse(decodeUtf8(request.rawBody).replace(/^\uFEFF/, "")) as Record<string, unknown>)
          : {};
      } catch {
        return missing();
      }
      if (typeof value !== "string" || value.trim() === "") return missing();
      const text =
        prefix && value.toLowerCase().startsWith(prefix.toLowerCase()) ? value.slice(prefix.length) : value;
      const given = decodeDigest(text, encoding, algorithm);
      if (!given) return invalid();
      let content: Uint8Array;
      try {
        content = options.signedContent
          ? options.signedContent(request.rawBody, parsed)
          : withoutMember(request.rawBody, found.all, found.index);
      } catch {
        return invalid();
      }
      return (await matchesAnyKey(crypto, algorithm, keys, content, [given])) ? OK : invalid();
    },
    async sign(input: SignInput) {
      const key = keys[input.secretIndex ?? 0] ?? keys[0]!;
      const crypto = input.crypto ?? defaultCrypto();
      // A body that already carries the field (e.g. a copied example) is signed without it.
      const existing = findMember(input.body, field);
      const unsigned = existing ? withoutMember(input.body, existing.all, existing.index) : input.body;
      const embed = (signature: string) => {
        const body = appendMember(unsigned, field, JSON.stringify(signature));
        if (!body) {
          throw new WebhookError(
            "invalid_config",
            `${platform}: sign() needs a JSON object body to embed "${field}" in.`,
          );
        }
        return body;
      };
      // The content is computed from a placeholder-signed body exactly as verify() will compute it from the
      // real one (same length, same position), so sign and verify can never disagree on what is covered.
      const placeholder = embed(
        `${prefix}${encodeDigest(new Uint8Array(digestLength(algorithm)), encoding)}`,
      );
      const content = options.signedContent
        ? options.signedContent(placeholder, JSON.parse(decodeUtf8(placeholder)) as Record<string, unknown>)
        : bodyWithoutField(placeholder, field);
      if (!content) {
        throw new WebhookError(
          "invalid_config",
          `${platform}: sign() needs a JSON object body to embed "${field}" in.`,
        );
      }
      const digest = await crypto.hmac(algorithm, key, content);
      return { headers: {}, body: embed(`${prefix}${encodeDigest(digest, encoding)}`) };
    },
  };
}
