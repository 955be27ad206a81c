import type { CryptoProvider } from "../crypto.js";
import type { WebhookRequest } from "../types.js";
import type { SchemeSecretLookup, SecretInput } from "./secret-types.js";

export type SignatureFailure = "missing_signature" | "invalid_signature" | "timestamp_out_of_range";

/** A verified delivery, with what the scheme computed that a provider may reuse. */
export interface Verified {
  ok: true;
  /**
   * The bytes the signature covers, when they are not simply the raw body (a signature inside the body):
   * handed to the provider (`DeliveryContext.signedContent`) so a key derived from them is not cut again.
   */
  signedContent?: Uint8Array;
}

export type VerifyOutcome = Verified | { ok: false; code: SignatureFailure; message: string };

export interface VerifyContext {
  crypto: CryptoProvider;
  /** ms since epoch: the request's `receivedAt`, else the receiver's clock. */
  now: number;
  /**
   * The key bytes of this delivery's endpoint, when the scheme looks its secret up (`lookup`): the receiver
   * resolved them before verifying (a random key for an unknown endpoint). A scheme with a fixed secret ignores it.
   */
  keys?: readonly Uint8Array[];
}

export interface SignInput {
  /** The exact body the sender puts on the wire (for body-embedded schemes: before the signature is added). */
  body: Uint8Array;
  /** Unix seconds, for schemes that sign a timestamp. Default: now. */
  timestamp?: number;
  /** Message id, for schemes that sign one (Standard Webhooks). */
  id?: string;
  /** Which configured secret to sign with (rotation tests). Default 0. */
  secretIndex?: number;
  /** The secret to sign with instead of the configured one: needed when the scheme looks its secret up. */
  secret?: SecretInput;
  crypto?: CryptoProvider;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: Uint8Array;
}

/**
 * How one platform signs a delivery. `verify` decides; `sign` produces byte-exact what the platform
 * sends, so `@webhook-kit/testing` and the verifier can never drift apart.
 */
export interface SignatureScheme {
  readonly name: string;
  /**
   * The headers the signature travels in (lower-case). A queued job never keeps them, even when asked
   * (`queuedHeaders`): with the body, they are a delivery anyone could send again.
   */
  readonly headers?: readonly string[];
  /**
   * For a signature carried inside the body: the body with that signature's value emptied (`""`), every other
   * byte as received. A queued job keeps this body, so it never holds a delivery that verifies again.
   */
  redactBody?(rawBody: Uint8Array): Uint8Array;
  /**
   * Set when the scheme's secret is a function of the delivery's head: the receiver calls it (cached) before
   * `verify` and passes the endpoint's keys in `VerifyContext.keys`.
   */
  readonly secretLookup?: SchemeSecretLookup;
  /** May answer synchronously (the built-in HMAC schemes do with node:crypto); callers await either. */
  verify(request: WebhookRequest, context: VerifyContext): VerifyOutcome | Promise<VerifyOutcome>;
  sign(input: SignInput): Promise<SignedDelivery>;
}

export const fail = (code: SignatureFailure, message: string): VerifyOutcome => ({
  ok: false,
  code,
  message,
});
export const OK: VerifyOutcome = { ok: true };

/** The signature's header is absent or blank. */
export const missingHeader = (named: string, platform: string): VerifyOutcome =>
  fail(
    "missing_signature",
    `The ${named} header is missing, and ${platform} signs every delivery with it: check that the request comes from ${platform} and that no proxy strips the header.`,
  );

/** No signature matches `what` (e.g. "the body") under any secret: `where` names where they were read. */
export const mismatch = (where: string, what: string): VerifyOutcome =>
  fail(
    "invalid_signature",
    `The ${where} does not match ${what} for any configured secret. Are you passing the exact raw request body (not re-serialised JSON), and the signing secret of this endpoint?`,
  );
