import type { CryptoProvider } from "./crypto.js";
import type { WebhookResponse } from "./types.js";

/** A request a handshake answers from its head alone: no body is read, none is signed. */
export interface HandshakeHead {
  method: string;
  /** Lower-case names. */
  headers: Readonly<Record<string, string>>;
}

/** A POST whose signature already verified, as a handshake reads it. */
export interface HandshakeDelivery {
  /** The parsed JSON body (always an object; the providers' `JsonObject`, spelled out: define.ts imports this file). */
  body: Readonly<Record<string, unknown>>;
  headers: Readonly<Record<string, string>>;
  rawBody: Uint8Array;
  crypto: CryptoProvider;
}

/**
 * A sender's verification request, answered by the receiver itself before any event is routed: Slack's
 * `url_verification`, Discord's `PING`, Zoom's `endpoint.url_validation`, CloudEvents' `OPTIONS`. Part of a
 * provider's definition, so it is answered only on the routes whose receiver has that provider.
 *
 * A handshake refuses with a `WebhookError` (thrown): `invalid_handshake` for a malformed one,
 * `origin_not_allowed` for an origin the receiver does not accept.
 */
export interface Handshake {
  /** In words, for logs and docs, e.g. "Slack url_verification". */
  readonly name: string;
  /**
   * Methods besides POST this handshake answers from the head alone (CloudEvents: `["OPTIONS"]`). Only
   * these reach `head`; any other non-POST method is still 405.
   */
  readonly methods?: readonly string[];
  /** Answers a request of one of `methods`, with no body and no signature (the sender signs none). */
  head?(request: HandshakeHead): WebhookResponse;
  /**
   * Runs on every verified POST before it is parsed as an event: the answer when this body is the sender's
   * verification request, undefined when it is an event.
   */
  answer?(delivery: HandshakeDelivery): WebhookResponse | undefined | Promise<WebhookResponse | undefined>;
}

/** One handshake or several (a preset's own plus CloudEvents', say). */
export type HandshakeInput = Handshake | readonly Handshake[];

/** The handshakes of a provider as a list, whatever form they were given in. */
export function handshakeList(input: HandshakeInput | undefined): readonly Handshake[] {
  if (input === undefined) return [];
  return Array.isArray(input) ? input : [input as Handshake];
}
