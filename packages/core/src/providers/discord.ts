import { invalidConfig } from "../errors.js";
import type { Handshake } from "../handshake.js";
import { jsonResponse } from "../response.js";
import { ed25519Signature } from "../signature/ed25519.js";
import type { Ed25519KeyInput } from "../signature/ed25519-keys.js";
import { asString, defineProvider, type EventSchemas, type Provider } from "./define.js";
import { SECOND } from "./shared.js";

export interface DiscordOptions<E extends EventSchemas> {
  /** The application's Public Key: 64 hex digits (Developer Portal → General Information); several for rotation. */
  publicKey?: Ed25519KeyInput;
  /**
   * For test kits only: private key(s) (hex seed, `whsk_…`, PKCS#8 PEM) to sign deliveries as Discord does;
   * their public keys verify too. A receiver holds only `publicKey`.
   */
  privateKey?: Ed25519KeyInput;
  /** Your interaction types (`application_command`, `message_component`, …) and their payload schemas. */
  events?: E;
  /** Replay window for X-Signature-Timestamp. Default 300 s (Discord states none; a kit's choice). */
  toleranceSeconds?: number;
}

/** Discord's interaction types by number (its "Interaction Type" table); 1, PING, is the handshake. */
const INTERACTION_TYPES: Readonly<Record<number, string>> = {
  2: "application_command",
  3: "message_component",
  4: "application_command_autocomplete",
  5: "modal_submit",
};

/** PING (type 1): answered `{"type":1}` (PONG), once the Ed25519 signature verified. */
const ping: Handshake = {
  name: "Discord PING",
  answer: ({ body }) => (body.type === 1 ? jsonResponse(200, { type: 1 }) : undefined),
};

/**
 * Discord interactions (the Interactions Endpoint URL): `X-Signature-Ed25519` over
 * `{X-Signature-Timestamp}{raw body}` with the application's public key. Its `PING` is answered with a `PONG`
 * once verified; other interactions route by type name (`application_command`, …) keyed by the interaction's
 * `id`. Discord waits 3 s and never retries an interaction.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.discord({ publicKey: process.env.DISCORD_PUBLIC_KEY! }) });
 * receiver.on("*", (event) => console.log(event.type)); // "application_command", …
 */
export function discord<const E extends EventSchemas = Record<never, never>>(
  options: DiscordOptions<E>,
): Provider<E> {
  if (options.publicKey === undefined && options.privateKey === undefined) {
    throw invalidConfig(
      "publicKey is required: the application's Public Key, 64 hex digits from the Discord Developer Portal (General Information).",
      "Discord",
    );
  }
  const scheme = ed25519Signature({
    header: "x-signature-ed25519",
    timestamp: { header: "x-signature-timestamp" },
    signedContent: ({ timestamp, body }) => [timestamp, body],
    ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }),
    ...(options.privateKey === undefined ? {} : { privateKey: options.privateKey }),
    ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    platform: "Discord",
  });
  return defineProvider({
    name: "discord",
    // X-Signature-Timestamp travels with the signature: neither is kept in a queued job (a name with
    // "signature" in it is refused there anyway).
    signature: { ...scheme, headers: ["x-signature-ed25519", "x-signature-timestamp"] },
    signs: "{X-Signature-Timestamp}{raw body} (Ed25519)",
    deliveryHeaders: [],
    events: options.events ?? ({} as E),
    eventType: ({ body }) => (typeof body.type === "number" ? INTERACTION_TYPES[body.type] : undefined),
    idempotencyKey: ({ body }) => asString(body.id),
    handshake: ping,
    // "you must send an initial response within 3 seconds"; an interaction is delivered once.
    timeoutMs: 3 * SECOND,
    retrySchedule: [0],
    leaseMs: 10 * SECOND,
  });
}
