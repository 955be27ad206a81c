import * as node from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  type CryptoProvider,
  createReceiver,
  defineProvider,
  ed25519Signature,
  nodeCrypto,
  providers,
  WebhookError,
  webCrypto,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

// Attack pass on issue #22: Node's and WebCrypto's verify accept a small-order public key, and with one a
// signature (R small-order, S = 0) verifies ANY body. Such keys (and non-canonical encodings) are refused
// when the receiver is configured.

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const Point = ed25519.Point;
const L = Point.Fn.ORDER;

/** [k]P by double-and-add with noble's point arithmetic (multiply() refuses k ≥ L). */
function times(k: bigint, point: typeof Point.BASE) {
  let result = Point.ZERO;
  let add = point;
  for (let e = k; e > 0n; e >>= 1n) {
    if (e & 1n) result = result.add(add);
    add = add.double();
  }
  return result;
}

/** The eight small-order points, computed: [L]P of arbitrary curve points lands in the 8-torsion subgroup. */
function torsionEncodings(): string[] {
  const found = new Set<string>();
  for (let i = 1; found.size < 8 && i < 10_000; i++) {
    const candidate = new Uint8Array(32);
    candidate[0] = i & 0xff;
    candidate[1] = i >> 8;
    let point: typeof Point.BASE;
    try {
      point = Point.fromBytes(candidate);
    } catch {
      continue;
    }
    found.add(hex(times(L, point).toBytes()));
  }
  return [...found];
}

const TORSION = torsionEncodings();
const LISTED = [
  "0000000000000000000000000000000000000000000000000000000000000000", // all zeros: a placeholder
  "0100000000000000000000000000000000000000000000000000000000000000", // the identity
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // order 2 (y = −1)
  "0000000000000000000000000000000000000000000000000000000000000080", // order 4
  "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", // order 8
  "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", // order 8
];
// Non-canonical: y ≥ p (p = 2^255 − 19 is edff…ff7f), and x = 0 with its sign bit set.
const NON_CANONICAL = [
  "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p ≡ 0
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", // y = p + 1 ≡ 1: the identity
  "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
  "0100000000000000000000000000000000000000000000000000000000000080", // identity, sign bit set
  "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", // y = −1, sign bit set
];

const runtimes: [string, CryptoProvider][] = [
  ["nodeCrypto", nodeCrypto(node as unknown as Parameters<typeof nodeCrypto>[0])],
  ["webCrypto", webCrypto()],
];

const configError = (build: () => unknown): WebhookError => {
  try {
    build();
  } catch (error) {
    return error as WebhookError;
  }
  throw new Error("the key was accepted");
};

describe("weak Ed25519 public keys are refused at configuration", () => {
  it("the computed torsion subgroup holds the listed small-order encodings", () => {
    expect(TORSION).toHaveLength(8);
    for (const key of LISTED.slice(1)) expect(TORSION).toContain(key);
  });

  const weak = [...new Set([...LISTED, ...TORSION])];
  it.each(weak)("small-order %s: invalid_config naming the option, key not echoed", (key) => {
    for (const build of [
      () => providers.standardWebhooks({ publicKey: key }),
      () => providers.discord({ publicKey: key }),
      () => providers.standardWebhooks({ publicKey: `whpk_${b64(Buffer.from(key, "hex"))}` }),
      () => providers.discord({ publicKey: new Uint8Array(Buffer.from(key, "hex")) }),
    ]) {
      const error = configError(build);
      expect(error).toBeInstanceOf(WebhookError);
      expect(error.code).toBe("invalid_config");
      expect(error.message).toContain("publicKey");
      expect(error.message).toContain("weak (small-order) Ed25519 public key — a placeholder like 000…0?");
      expect(error.message).not.toContain(key);
    }
  });

  it.each(NON_CANONICAL)("non-canonical %s: invalid_config", (key) => {
    const error = configError(() => providers.standardWebhooks({ publicKey: key }));
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/non-canonical/);
    expect(error.message).not.toContain(key);
  });

  it("a rotation list names the bad entry: publicKey #2", () => {
    const good = hex(ed25519.getPublicKey(ed25519.utils.randomSecretKey()));
    const error = configError(() => providers.discord({ publicKey: [good, LISTED[0]!] }));
    expect(error.message).toContain("publicKey #2");
  });

  it("bytes that are no curve point are refused", () => {
    // y = 2: (y² − 1)/(d·y² + 1) is not a square.
    const key = `02${"00".repeat(31)}`;
    expect(() => Point.fromHex(key)).toThrow();
    expect(configError(() => providers.discord({ publicKey: key })).message).toMatch(/not a point/);
  });

  // The forgery these keys allowed: identity key, R = identity, S = 0 — through the receiver, refused before.
  it("the forged delivery never reaches a handler: the receiver cannot be built with the identity key", () => {
    expect(() =>
      createReceiver({
        provider: providers.standardWebhooks({
          publicKey: `whpk_${b64(new Uint8Array([1, ...new Array(31).fill(0)]))}`,
        }),
      }),
    ).toThrow(/weak \(small-order\)/);
  });
});

describe.each(runtimes)("real keys still verify (%s)", (_, crypto) => {
  const pairs = Array.from({ length: 12 }, () => {
    const secret = ed25519.utils.randomSecretKey();
    return { secret, publicKey: ed25519.getPublicKey(secret) };
  });
  const body = '{"type":"ping.test","id":"evt_1"}';
  const now = Math.floor(Date.now() / 1000);
  const enc = (text: string) => new TextEncoder().encode(text);

  const deliver = async (
    provider: ReturnType<typeof defineProvider>,
    headers: Record<string, string>,
    raw = body,
  ) => {
    const receiver = createReceiver({ provider, crypto });
    const ran: string[] = [];
    receiver.on("*", (event) => void ran.push(event.type));
    const res = await receiver.fetch(
      new Request("http://127.0.0.1/webhooks", {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: raw,
      }),
    );
    return { status: res.status, ran, text: await res.text() };
  };

  it("Discord, standardWebhooks and ed25519Signature accept noble-generated keys and verify their signatures", async () => {
    for (const { secret, publicKey } of pairs) {
      // Discord's PING is answered {"type":1} only once its signature verified.
      const ping = '{"type":1}';
      const discordSig = hex(ed25519.sign(enc(`${now}${ping}`), secret));
      const discord = await deliver(
        providers.discord({ publicKey: hex(publicKey) }),
        { "x-signature-ed25519": discordSig, "x-signature-timestamp": String(now) },
        ping,
      );
      expect([discord.status, discord.text]).toEqual([200, ping]);

      const id = `msg_${hex(publicKey).slice(0, 8)}`;
      const swSig = b64(ed25519.sign(enc(`${id}.${now}.${body}`), secret));
      const sw = await deliver(providers.standardWebhooks({ publicKey: `whpk_${b64(publicKey)}` }), {
        "webhook-id": id,
        "webhook-timestamp": String(now),
        "webhook-signature": `v1a,${swSig}`,
      });
      expect([sw.status, sw.ran]).toEqual([200, ["ping.test"]]);

      const custom = defineProvider({
        name: "acme",
        signature: ed25519Signature({
          header: "x-acme-signature",
          timestamp: { header: "x-acme-timestamp" },
          signedContent: ({ timestamp, body }) => [timestamp, ".", body],
          publicKey,
          platform: "Acme",
        }),
        events: {},
        eventType: ({ body }) => String(body.type),
        idempotencyKey: ({ body }) => String(body.id),
      });
      const acme = await deliver(custom, {
        "x-acme-signature": hex(ed25519.sign(enc(`${now}.${body}`), secret)),
        "x-acme-timestamp": String(now),
      });
      expect([acme.status, acme.ran]).toEqual([200, ["ping.test"]]);
    }
  });
});
