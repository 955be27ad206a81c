import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { randomHex } from "./values.js";

// PKCS#8 wrapping of a 32-byte Ed25519 seed (RFC 8410): Node derives a public key from a seed only this way.
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * A test key pair from any secret string: the seed is SHA-256 of the secret, so `--secret` names a key as it
 * does an HMAC secret. `publicKey` (64 hex digits) is what `providers.discord({ publicKey })` is configured
 * with; `privateKey` (the seed, hex) signs as Discord does.
 *
 * @example
 * const { publicKey } = discordTestKeys("my-test-secret");
 * const receiver = createReceiver({ provider: providers.discord({ publicKey }) });
 */
export function discordTestKeys(secret: string): { privateKey: string; publicKey: string } {
  const seed = createHash("sha256").update(secret).digest();
  const key = createPrivateKey({ key: Buffer.concat([PKCS8_PREFIX, seed]), format: "der", type: "pkcs8" });
  const spki = createPublicKey(key).export({ format: "der", type: "spki" });
  return { privateKey: seed.toString("hex"), publicKey: spki.subarray(spki.length - 32).toString("hex") };
}

const user = {
  id: "53908232506183680",
  username: "Mason",
  avatar: "a_d5efa99b3eeaa7dd43acca82f5692432",
  discriminator: "0",
  public_flags: 131141,
};

/** The verification request(s) Discord sends, as its documents show them. */
export const discordHandshakes = {
  ping: {
    type: 1,
    id: "786008729715212339",
    application_id: "775799577604522054",
    token: "A_UNIQUE_TOKEN",
    version: 1,
  },
};

/**
 * Discord interactions. `application_command` follows Discord's "Receiving and Responding" example; the PING
 * (type 1) is the handshake Discord sends when the Interactions Endpoint URL is saved.
 */
export const discord = definePlatform({
  name: "discord",
  preset: "discord",
  // Signs with the test private key, as Discord signs with its own: Ed25519 over `{timestamp}{raw body}`.
  create: (secret) => providers.discord({ privateKey: discordTestKeys(secret).privateKey }),
  // A real Ed25519 private key (whsk_…, hex seed or PEM), for a receiver configured with its public key.
  createSigning: (privateKey) => providers.discord({ privateKey }),
  userAgent: "Discord-Interactions/1.0 (+https://discord.com)",
  // Keyed by the interaction's snowflake id.
  fresh: (payload) => ({ ...payload, id: BigInt(`0x${randomHex(15)}`).toString() }),
  fixtures: {
    application_command: {
      type: 2,
      token: "A_UNIQUE_TOKEN",
      member: {
        user,
        roles: ["539082325061836999"],
        premium_since: null,
        permissions: "2147483647",
        pending: false,
        nick: null,
        mute: false,
        joined_at: "2017-03-13T19:19:14.040000+00:00",
        deaf: false,
      },
      id: "786008729715212338",
      application_id: "775799577604522054",
      guild_id: "290926798626357999",
      data: {
        options: [{ type: 3, name: "cardname", value: "The Gitrog Monster" }],
        type: 1,
        name: "cardsearch",
        id: "771825006014889984",
      },
      channel_id: "645027906669510667",
      version: 1,
    },
  },
  handshakes: discordHandshakes,
});
