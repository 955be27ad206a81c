import { fromBase64, utf8 } from "../encoding.js";
import { invalidSecret } from "../errors.js";
import type { SecretEncoding, SecretInput, SecretLookup, SecretSource } from "./secret-types.js";

export type {
  DeliveryHead,
  SchemeSecretLookup,
  SecretEncoding,
  SecretHead,
  SecretInput,
  SecretLookup,
  SecretSource,
} from "./secret-types.js";

export const isSecretLookup = (secret: SecretSource): secret is SecretLookup => typeof secret === "function";

/**
 * Turns the user's secret(s) into key bytes once, at configuration time. Several secrets = rotation:
 * a delivery is valid when any of them matches.
 */
export function encodeSecrets(input: SecretInput, encoding: SecretEncoding, provider: string): Uint8Array[] {
  const list = (Array.isArray(input) ? input : [input]) as (string | Uint8Array)[];
  if (list.length === 0) throw invalidSecret(provider, "no secret was given");
  return list.map((secret, i) => {
    if (secret instanceof Uint8Array) {
      if (secret.length === 0) throw invalidSecret(provider, `secret #${i + 1} is empty`);
      // A copy: an app that wipes or reuses its buffer afterwards must not change the key verifying with it.
      return new Uint8Array(secret);
    }
    if (typeof secret !== "string" || secret.length === 0) {
      throw invalidSecret(
        provider,
        `secret #${i + 1} is empty or not a string (is the environment variable set?)`,
      );
    }
    // A blank variable (SECRET=" ") would be a key anyone can guess: refused like an empty one.
    if (secret.trim() === "") {
      throw invalidSecret(
        provider,
        `secret #${i + 1} is only whitespace (is the environment variable set to a blank value?)`,
      );
    }
    if (encoding === "utf8") return utf8(secret);
    // Whitespace is never base64, so a newline left by a secret file or `echo` around the text changes no
    // byte of the key: dropped, as senders' own libraries do. (A UTF-8 secret is used exactly as given.)
    const trimmed = secret.trim();
    const text = encoding === "whsec-base64" ? trimmed.replace(/^whsec_/, "") : trimmed;
    const prefixDropped = text !== trimmed;
    // "_" is base64url, so a prefix left in (twice, upper-case, or with plain "base64") would decode into
    // key bytes and every delivery would fail its signature: refused here instead, saying which.
    if (/^whsec_/i.test(text)) {
      throw invalidSecret(
        provider,
        `secret #${i + 1} ${whsecMistake(encoding, prefixDropped)} (secretEncoding: "${encoding}")`,
      );
    }
    const bytes = fromBase64(text);
    if (!bytes || bytes.length === 0) {
      // Where it goes wrong, never what the secret holds.
      const skipped = secret.length - secret.trimStart().length + (trimmed.length - text.length);
      throw invalidSecret(
        provider,
        `secret #${i + 1} is not valid base64 (secretEncoding: "${encoding}"): ${base64Fault(text, skipped, prefixDropped)}`,
      );
    }
    return bytes;
  });
}

/** Which prefix mistake a base64 secret that still starts with whsec_ (any case) holds. */
function whsecMistake(encoding: SecretEncoding, stripped: boolean): string {
  if (stripped) return "has its whsec_ prefix twice";
  if (encoding === "whsec-base64") return "has an upper-case WHSEC_ prefix: write it as whsec_";
  return 'starts with whsec_, which base64 would decode as key bytes: drop the prefix, or use secretEncoding "whsec-base64"';
}

/** Where a text that is not base64 goes wrong, by position (1-based, in the secret as given): never its characters. */
function base64Fault(text: string, skipped: number, prefixed: boolean): string {
  if (text.replace(/=+$/, "") === "") return `it holds no key${prefixed ? " after its whsec_ prefix" : ""}`;
  const bad = text.search(/[^A-Za-z0-9+/_=-]/);
  if (bad >= 0) return `character ${skipped + bad + 1} is not a base64 character`;
  const padding = text.search(/=+[^=]/);
  if (padding >= 0) return `"=" padding at character ${skipped + padding + 1} is not at the end`;
  return "its length is not one base64 can have (a character missing or extra?)";
}
