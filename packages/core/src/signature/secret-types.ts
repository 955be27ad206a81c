// The shapes of a secret, apart from the code that encodes them: the signature scheme types import them
// without importing errors.

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
 * rotation, or `undefined` / `null` / an empty list for an endpoint you do not know (answered as a wrong
 * secret). In a receiver, choose it from `tenant`: a head field the receiver's `tenant` does not read is
 * refused (503), since a sender could otherwise name one endpoint and sign with another's secret.
 * Sync or async; a throw or rejection answers 503 `secret_lookup_failed` (the sender retries).
 */
export type SecretLookup = (
  head: SecretHead,
) =>
  | SecretInput
  | undefined
  | null
  | Promise<SecretInput | undefined | null>
  | PromiseLike<SecretInput | undefined | null>;

/** A scheme's `secret`: fixed at configuration time, or looked up per delivery. */
export type SecretSource = SecretInput | SecretLookup;

/** The lookup a scheme was configured with, and how its results become key bytes (the scheme's encoding). */
export interface SchemeSecretLookup {
  readonly lookup: SecretLookup;
  /** Key bytes from what the lookup returned; empty when it returned none (an unknown endpoint). */
  encode(input: SecretInput | undefined | null): Uint8Array[];
}
