import type { CryptoProvider } from "../crypto.js";
import type { WebhookRequest } from "../types.js";

export type SignatureFailure = "missing_signature" | "invalid_signature" | "timestamp_out_of_range";

export type VerifyOutcome = { ok: true } | { ok: false; code: SignatureFailure; message: string };

export interface VerifyContext {
  crypto: CryptoProvider;
  /** ms since epoch: the request's `receivedAt`, else the receiver's clock. */
  now: number;
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
  verify(request: WebhookRequest, context: VerifyContext): Promise<VerifyOutcome>;
  sign(input: SignInput): Promise<SignedDelivery>;
}

export const fail = (code: SignatureFailure, message: string): VerifyOutcome => ({
  ok: false,
  code,
  message,
});
export const OK: VerifyOutcome = { ok: true };
