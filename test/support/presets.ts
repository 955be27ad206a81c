import { type Provider, providers } from "@webhook-kit/core";
import { fixtures, type SignedWebhook, signDelivery } from "@webhook-kit/testing";

export const PRESET_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/** One preset, a fixture it accepts, and the signDelivery options it needs. */
export interface PresetCase {
  name: string;
  make(secret?: string): Provider;
  payload: unknown;
  options: { event?: string };
}

/** Every built-in preset with one of its published fixtures. */
export const presetCases: PresetCase[] = [
  {
    name: "eulabel",
    make: (secret = PRESET_SECRET) => providers.eulabel({ secret }),
    payload: fixtures.eulabel["passport.published"],
    options: {},
  },
  {
    name: "eulabelInbound",
    make: (secret = PRESET_SECRET) => providers.eulabelInbound({ secret }),
    payload: fixtures.eulabelInbound["item.create"],
    options: {},
  },
  {
    name: "eudr",
    make: (secret = PRESET_SECRET) => providers.eudr({ secret }),
    payload: fixtures.eudr["supplier.created"],
    options: {},
  },
  {
    name: "generic",
    make: (secret = PRESET_SECRET) => providers.generic({ secret }),
    payload: fixtures.generic["user.created"],
    options: {},
  },
  {
    name: "shipping",
    make: (secret = PRESET_SECRET) => providers.shipping({ secret }),
    payload: fixtures.shipping["shipment.created"],
    options: {},
  },
  {
    name: "standardWebhooks",
    make: (secret = PRESET_SECRET) => providers.standardWebhooks({ secret }),
    payload: fixtures.standardWebhooks["invoice.paid"],
    options: {},
  },
  {
    name: "github",
    make: (secret = PRESET_SECRET) => providers.github({ secret }),
    payload: fixtures.github["issues.opened"],
    options: { event: "issues" },
  },
  {
    name: "stripe",
    make: (secret = PRESET_SECRET) => providers.stripe({ secret }),
    payload: fixtures.stripe["customer.created"],
    options: {},
  },
  {
    name: "slack",
    make: (secret = PRESET_SECRET) => providers.slack({ secret }),
    payload: fixtures.slack.app_mention,
    options: {},
  },
  {
    name: "zoom",
    make: (secret = PRESET_SECRET) => providers.zoom({ secret }),
    payload: fixtures.zoom["meeting.started"],
    options: {},
  },
];

/** Signs the case's fixture with its own preset. */
export const signedCase = (preset: PresetCase): Promise<SignedWebhook> =>
  signDelivery(preset.make(), preset.payload, preset.options);

/** One character inside the digest, three from the end: inside the signed bits for hex and for base64. */
const flipDigestChar = (value: string): string => {
  const at = value.length - 3;
  const c = value[at];
  return `${value.slice(0, at)}${c === "0" ? "1" : "0"}${value.slice(at + 1)}`;
};

/**
 * The same delivery with one character of the signature *digest* changed (the prefix, the timestamp and the
 * rest untouched), so refusing it takes a real comparison, never a parse failure of the header.
 */
export function forgeDigest(wire: SignedWebhook): { headers: Record<string, string>; body: Uint8Array } {
  const headers = { ...wire.headers };
  let touched = false;
  for (const name of Object.keys(headers)) {
    if (!name.includes("signature")) continue;
    headers[name] = flipDigestChar(headers[name]!);
    touched = true;
  }
  let text = wire.text;
  const member = /"signature":"([^"]*)"/.exec(text);
  if (member) {
    const start = member.index + '"signature":"'.length;
    const value = member[1]!;
    text = `${text.slice(0, start)}${flipDigestChar(value)}${text.slice(start + value.length)}`;
    touched = true;
  }
  if (!touched) throw new Error("forgeDigest: this delivery carries no signature to forge");
  return { headers, body: new TextEncoder().encode(text) };
}
