import { concatBytes, decodeUtf8, utf8 } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import { carries, prefixReader } from "./header-list.js";
import { appendMember, type FoundMember, findMember, withoutMember } from "./json-member.js";
import { type KeyOptions, keyring } from "./keyring.js";
import { fail, mismatch, type SignatureScheme } from "./scheme.js";

/** Computes the bytes a body-embedded signature covers, from the exact raw body and its parsed form. */
export type SignedContentFn = (rawBody: Uint8Array, parsed: Readonly<Record<string, unknown>>) => Uint8Array;

export interface BodyFieldSignatureOptions extends KeyOptions {
  /** Top-level JSON member that carries the signature. Default "signature". */
  field?: string;
  /** Optional prefix on the value, such as "sha256=", accepted present or absent. */
  prefix?: string;
  /**
   * What is signed. Default: the exact raw body with the signature member removed byte-exactly
   * (see `withoutMember`). Override when the platform documents another rule.
   */
  signedContent?: SignedContentFn;
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
  const prefix = options.prefix ?? "";
  const ring = keyring(options, platform);
  const readPrefix = prefixReader(prefix);

  // One rule for verify and sign. The user's rule gets the parsed body (a byte-order mark tolerated, as the
  // receiver's parser does); verify hands in the one it already parsed.
  const covered = (raw: Uint8Array, found: FoundMember, parsed?: Record<string, unknown>): Uint8Array =>
    options.signedContent
      ? options.signedContent(raw, parsed ?? parseObject(raw))
      : withoutMember(raw, found.all, found.index);

  const missing = () =>
    fail(
      "missing_signature",
      `The body carries no single top-level "${field}" string, where ${platform} puts its signature. Is the body the exact JSON it sent?`,
    );
  const invalid = () => mismatch(`"${field}" member`, "the body");
  const notAnObject = () =>
    invalidConfig(`sign() needs a JSON object body to embed "${field}" in.`, platform);

  return {
    name: `body-field-hmac-${ring.algorithm}`,
    // In the body, not a header: a queued job keeps the body with the value emptied (redactBody).
    headers: [],
    redactBody(rawBody) {
      const found = findMember(rawBody, field);
      if (!found) return rawBody;
      const { valueStart, valueEnd } = found.all.members[found.index]!;
      return concatBytes(rawBody.subarray(0, valueStart), utf8('""'), rawBody.subarray(valueEnd));
    },
    ...(ring.lookup ? { secretLookup: ring.lookup } : {}),
    async verify(request, { crypto, keys }) {
      const found = findMember(request.rawBody, field);
      if (!found) return missing();
      const member = found.all.members[found.index]!;
      let value: unknown;
      let parsed: Record<string, unknown> | undefined;
      try {
        value = JSON.parse(decodeUtf8(request.rawBody.subarray(member.valueStart, member.valueEnd)));
        if (options.signedContent) parsed = parseObject(request.rawBody);
      } catch {
        return missing();
      }
      if (typeof value !== "string" || !carries(value)) return missing();
      const text = readPrefix(value.trim());
      const given = text === undefined ? undefined : ring.decode(text);
      if (!given) return invalid();
      let content: Uint8Array;
      try {
        content = covered(request.rawBody, found, parsed);
      } catch {
        return invalid();
      }
      // The content goes to the provider too: keys derived from it need not cut the body again.
      return (await ring.match(crypto, content, [given], keys))
        ? { ok: true, signedContent: content }
        : invalid();
    },
    async sign(input) {
      // A body that already carries the field (e.g. a copied example) is signed without it.
      const existing = findMember(input.body, field);
      const unsigned = existing ? withoutMember(input.body, existing.all, existing.index) : input.body;
      const embed = (signature: string) => {
        const body = appendMember(unsigned, field, JSON.stringify(signature));
        if (!body) throw notAnObject();
        return body;
      };
      // The content is computed from a placeholder-signed body exactly as verify() will compute it from the
      // real one (same length, same position), so sign and verify can never disagree on what is covered.
      const placeholder = embed(`${prefix}${ring.blank}`);
      const found = findMember(placeholder, field);
      if (!found) throw notAnObject();
      return { headers: {}, body: embed(`${prefix}${await ring.sign(covered(placeholder, found), input)}`) };
    },
  };
}

const parseObject = (raw: Uint8Array) =>
  JSON.parse(decodeUtf8(raw).replace(/^\uFEFF/, "")) as Record<string, unknown>;
