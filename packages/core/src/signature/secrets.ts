import { fromBase64, utf8 } from "../encoding.js";
import { invalidSecret } from "../errors.js";

export type SecretInput = string | Uint8Array | readonly (string | Uint8Array)[];
export type SecretEncoding = "utf8" | "base64" | "whsec-base64";

/** What a delivery says of its endpoint before its body is read: enough to name its tenant and its secret. */
export interface DeliveryHead {
  /** Header names lower-cased; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  /** The request path, without its query. */
  readonly path?: string;
  /** Route parameters, when the framework matched a pattern such as `/webhooks/:tenant`. */
  readonly params?: Readonly<Record<string, string>>;
}

/** The head a secret lookup receives: the receiver's `tenant` already named it. */
export interface SecretHead extends DeliveryHead {
  readonly tenant: string;
}

/**
 * A secret looked up per delivery (a vault, a database): the endpoint's secret(s), several during a
 * rotation, or `undefined` / an empty list for an endpoint you do not know (answered as a wrong secret).
 * Sync or async; a throw or rejection answers 503 `secret_lookup_failed` (the sender retries).
 */
export type SecretLookup = (
  head: SecretHead,
) => SecretInput | undefined | Promise<SecretInput | undefined> | PromiseLike<SecretInput | undefined>;

/** A scheme's `secret`: fixed at configuration time, or looked up per delivery. */
export type SecretSource = SecretInput | SecretLookup;

/** The lookup a scheme was configured with, and how its results become key bytes (the scheme's encoding). */
export interface SchemeSecretLookup {
  readonly lookup: SecretLookup;
  /** Key bytes from what the lookup returned; empty when it returned none (an unknown endpoint). */
  encode(input: SecretInput | undefined): Uint8Array[];
}

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
      return secret;
    }
    if (typeof secret !== "string" || secret.length === 0) {
      throw invalidSecret(
        provider,
        `secret #${i + 1} is empty or not a string (is the environment variable set?)`,
      );
    }
    if (encoding === "utf8") return utf8(secret);
    const text = encoding === "whsec-base64" ? secret.replace(/^whsec_/, "") : secret;
    const bytes = fromBase64(text);
    if (!bytes || bytes.length === 0) {
      throw invalidSecret(provider, `secret #${i + 1} is not valid base64 (secretEncoding: "${encoding}")`);
    }
    return bytes;
  });
}
