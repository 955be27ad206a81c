import { PKCS8_PREFIX, SPKI_PREFIX } from "../ed25519-crypto.js";
import { fromBase64, fromHex } from "../encoding.js";
import { invalidConfig } from "../errors.js";
import { weakPublicKey } from "./ed25519-point.js";

/**
 * One Ed25519 key as users hold it: hex, base64, Standard Webhooks' `whpk_…` / `whsk_…`, PEM, or raw bytes.
 * Several (an array) for rotation.
 */
export type Ed25519KeyInput = string | Uint8Array | readonly (string | Uint8Array)[];

const PUBLIC_FORMATS =
  'hex (64 characters), base64 of 32 bytes, "whpk_<base64>", a PEM "PUBLIC KEY", or 32 raw bytes';
const PRIVATE_FORMATS =
  '"whsk_<base64>" (32-byte seed, or seed and public key: 64 bytes), hex or base64 of the 32-byte seed, a PEM "PRIVATE KEY" (PKCS#8), or raw bytes';

const list = (input: Ed25519KeyInput): (string | Uint8Array)[] =>
  (Array.isArray(input) ? [...input] : [input]) as (string | Uint8Array)[];

/** The DER inside a PEM block labelled `label`, or undefined when the text is no such block. */
function pemBody(text: string, label: string): Uint8Array | undefined {
  const match = new RegExp(`^-----BEGIN ${label}-----([A-Za-z0-9+/=\\s]+)-----END ${label}-----$`).exec(text);
  return match ? fromBase64(match[1]!.replace(/\s+/g, "")) : undefined;
}

/** The raw key after a DER header, when `der` is exactly that header and `length` bytes. */
function afterPrefix(
  der: Uint8Array | undefined,
  prefix: Uint8Array,
  length: number,
): Uint8Array | undefined {
  if (!der || der.length !== prefix.length + length) return undefined;
  for (let i = 0; i < prefix.length; i++) if (der[i] !== prefix[i]) return undefined;
  return der.slice(prefix.length);
}

/**
 * After Standard Webhooks' `prefix`, always base64 (the standard's serialisation); a bare text is hex when it
 * looks like hex of 32 or 64 bytes (a base64 text of only hex letters is rarer than hex), else base64.
 */
function textBytes(text: string, prefix: "whpk_" | "whsk_"): Uint8Array | undefined {
  if (text.startsWith(prefix)) return fromBase64(text.slice(prefix.length));
  return /^(?:[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$/.test(text) ? fromHex(text) : fromBase64(text);
}

/** Why a key text is wrong when it is plainly another kind of key: said before the generic message. */
function otherKind(text: string, wanted: "public" | "private"): string | undefined {
  if (text.startsWith("whsec_"))
    return "a whsec_ text is an HMAC secret, not an Ed25519 key (pass it as `secret`)";
  if (wanted === "public" && (text.startsWith("whsk_") || text.includes("PRIVATE KEY"))) {
    return "this is a private key: a receiver needs only the public key (whpk_…), keep the private one with the sender";
  }
  if (wanted === "private" && (text.startsWith("whpk_") || text.includes("PUBLIC KEY"))) {
    return "this is a public key: signing needs the private key (whsk_…)";
  }
  return undefined;
}

function keyError(option: string, index: number, count: number, platform: string, why: string) {
  const which = count > 1 ? `${option} #${index + 1}` : option;
  return invalidConfig(`${which} is not a usable Ed25519 key: ${why}.`, platform);
}

/**
 * Public keys from every accepted format, 32 bytes each, at configuration time: a bad key fails here, naming
 * the option and the platform (never echoing the key).
 *
 * @example
 * const [key] = parsePublicKeys("whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4=", "Acme");
 */
export function parsePublicKeys(
  input: Ed25519KeyInput,
  platform: string,
  option = "publicKey",
): Uint8Array[] {
  const keys = list(input);
  if (keys.length === 0) throw invalidConfig(`${option}: no key was given.`, platform);
  return keys.map((key, i) => {
    const fail = (why: string) => keyError(option, i, keys.length, platform, why);
    if (key instanceof Uint8Array) {
      if (key.length !== 32) throw fail(`raw bytes must be 32, got ${key.length}`);
      const weak = weakPublicKey(key);
      if (weak) throw fail(weak);
      return key;
    }
    if (typeof key !== "string" || key.trim() === "") {
      throw fail("it is empty or not a string (is the environment variable set?)");
    }
    const text = key.trim();
    const other = otherKind(text, "public");
    if (other) throw fail(other);
    const bytes = text.startsWith("-----BEGIN")
      ? afterPrefix(pemBody(text, "PUBLIC KEY"), SPKI_PREFIX, 32)
      : textBytes(text, "whpk_");
    if (bytes?.length !== 32) throw fail(`expected ${PUBLIC_FORMATS}`);
    const weak = weakPublicKey(bytes);
    if (weak) throw fail(weak);
    return bytes;
  });
}

/**
 * Private keys (their 32-byte seeds) from every accepted format, at configuration time (see `parsePublicKeys`).
 *
 * @example
 * const [key] = parsePrivateKeys(process.env.WEBHOOK_SIGNING_KEY!, "Acme"); // "whsk_…"
 */
export function parsePrivateKeys(
  input: Ed25519KeyInput,
  platform: string,
  option = "privateKey",
): Uint8Array[] {
  const keys = list(input);
  if (keys.length === 0) throw invalidConfig(`${option}: no key was given.`, platform);
  return keys.map((key, i) => {
    const fail = (why: string) => keyError(option, i, keys.length, platform, why);
    let bytes: Uint8Array | undefined;
    if (key instanceof Uint8Array) bytes = key;
    else if (typeof key !== "string" || key.trim() === "") {
      throw fail("it is empty or not a string (is the environment variable set?)");
    } else {
      const text = key.trim();
      const other = otherKind(text, "private");
      if (other) throw fail(other);
      bytes = text.startsWith("-----BEGIN")
        ? afterPrefix(pemBody(text, "PRIVATE KEY"), PKCS8_PREFIX, 32)
        : textBytes(text, "whsk_");
    }
    // 64 bytes: the seed then its public key (libsodium's and Svix's whsk_ layout). Only the seed is kept:
    // the public key is derived from it, never trusted from the text.
    if (bytes?.length === 32) return bytes;
    if (bytes?.length === 64) return bytes.slice(0, 32);
    throw fail(`expected ${PRIVATE_FORMATS}`);
  });
}
