import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  cloudEventsValidation,
  createReceiver,
  type Logger,
  type Provider,
  providers,
  type ReceiverCore,
  withHandshake,
} from "@webhook-kit/core";
import { discordTestKeys, fixtures, handshakes, platforms, signDelivery } from "@webhook-kit/testing";
import type { RunningAdapter } from "@webhook-kit/testing/conformance";
import { afterEach, describe, expect, it } from "vitest";
import { adapters } from "./conformance/adapters.js";
import { send } from "./support/http.js";

// Issue #22 item 3: each sender's verification request answered exactly as its documents show, only after
// its signature verified, only on routes whose provider has that handshake; through real HTTP on every adapter.

const SLACK_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"; // the example secret of Slack's signing docs
const ZOOM_SECRET = "zoom-secret-token-for-tests";
const DISCORD_SECRET = "discord-test-seed";
const OTHER = "someone-else's-secret";

const slack = (secret = SLACK_SECRET) => providers.slack({ secret });
const zoom = (secret = ZOOM_SECRET) => providers.zoom({ secret });
const discordPublicKey = discordTestKeys(DISCORD_SECRET).publicKey;

/** Discord's preset signing as Discord does, with the test private key of `secret`. */
const discordSigner = (secret = DISCORD_SECRET) => platforms.discord.create(secret);

function receiverFor(provider: Provider) {
  const ran: string[] = [];
  const lines: string[] = [];
  const log = (level: string) => (obj: object, msg?: string) =>
    void lines.push(`${level}: ${msg} ${JSON.stringify(obj)}`);
  const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  const receiver = createReceiver({ provider, logger });
  receiver.on("*", (event) => {
    ran.push(event.type);
  });
  return { receiver, ran, lines };
}

const running: RunningAdapter[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

const SUITE = adapters.filter((adapter) => ["express", "fetch", "koa", "fastify"].includes(adapter.name));

describe.each(SUITE)("handshakes through $name", (adapter) => {
  const start = async (receiver: ReceiverCore, path: string) => {
    const server = await adapter.start(receiver, path);
    running.push(server);
    return server.url;
  };
  const post = async (url: string, signer: Pick<Provider, "name" | "signature">, payload: object) => {
    const wire = await signDelivery(signer, payload);
    return send(url, { headers: wire.headers, body: wire.body });
  };

  it("Slack url_verification: 200 text/plain with the challenge as the whole body, no event routed", async () => {
    const { receiver, ran, lines } = receiverFor(slack());
    const url = await start(receiver, "/webhooks/slack");
    const res = await post(url, slack(), handshakes.slack.url_verification);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toBe("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    expect(ran).toEqual([]);
    expect(lines.some((line) => line.startsWith("info: handshake answered"))).toBe(true);
    // An event on the same route still routes by its inner type.
    const event = await post(url, slack(), fixtures.slack.app_mention);
    expect([event.status, ran]).toEqual([200, ["app_mention"]]);
  });

  it("Slack url_verification signed with another secret: 401, the challenge never echoed", async () => {
    const { receiver, ran } = receiverFor(slack());
    const url = await start(receiver, "/webhooks/slack");
    const res = await post(url, slack(OTHER), handshakes.slack.url_verification);
    expect([res.status, res.json.error]).toEqual([401, "invalid_signature"]);
    expect(res.text).not.toContain("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    // Unsigned: 401 missing_signature.
    const unsigned = await send(url, {
      headers: { "content-type": "application/json" },
      body: JSON.stringify(handshakes.slack.url_verification),
    });
    expect([unsigned.status, unsigned.json.error]).toEqual([401, "missing_signature"]);
    expect(ran).toEqual([]);
  });

  it("Slack url_verification without a challenge: 400 invalid_handshake", async () => {
    const { receiver } = receiverFor(slack());
    const url = await start(receiver, "/webhooks/slack");
    const res = await post(url, slack(), { token: "t", type: "url_verification" });
    expect([res.status, res.json.error]).toEqual([400, "invalid_handshake"]);
  });

  it("Zoom endpoint.url_validation: 200 JSON {plainToken, encryptedToken = hex HMAC-SHA256(secret, plainToken)}", async () => {
    const { receiver, ran } = receiverFor(zoom());
    const url = await start(receiver, "/webhooks/zoom");
    const res = await post(url, zoom(), handshakes.zoom["endpoint.url_validation"]);
    const expected = createHmac("sha256", ZOOM_SECRET).update("qgg8vlvZRS6UYooatFL8Aw").digest("hex");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.text).toBe(`{"plainToken":"qgg8vlvZRS6UYooatFL8Aw","encryptedToken":"${expected}"}`);
    expect(ran).toEqual([]);
    const event = await post(url, zoom(), fixtures.zoom["meeting.started"]);
    expect([event.status, ran]).toEqual([200, ["meeting.started"]]);
  });

  it("Zoom url_validation forged (another secret token): 401, no encryptedToken computed for it", async () => {
    const { receiver } = receiverFor(zoom());
    const url = await start(receiver, "/webhooks/zoom");
    const res = await post(url, zoom(OTHER), handshakes.zoom["endpoint.url_validation"]);
    expect([res.status, res.json.error]).toEqual([401, "invalid_signature"]);
    expect(res.text).not.toContain("encryptedToken");
  });

  it("Zoom url_validation is no HMAC oracle: a plainToken shaped like signed content is refused (rotation)", async () => {
    // Attack: holding only the OLD token, sign a validation whose plainToken is "v0:{ts}:{body}" and get back
    // HMAC(NEW, …) — a valid x-zm-signature under NEW for a body of the attacker's choosing.
    const NEW = "new-zoom-secret-token";
    const { receiver, ran } = receiverFor(providers.zoom({ secret: [NEW, ZOOM_SECRET] }));
    const url = await start(receiver, "/webhooks/zoom");
    const future = Math.floor(Date.now() / 1000) + 7 * 24 * 3600;
    const evil = JSON.stringify({ event: "meeting.deleted", payload: { object: { id: "1" } } });
    for (const plainToken of [`v0:${future}:${evil}`, "a.b", "has space", "x".repeat(129)]) {
      const res = await post(url, zoom(ZOOM_SECRET), {
        payload: { plainToken },
        event_ts: Date.now(),
        event: "endpoint.url_validation",
      });
      expect([res.status, res.json.error]).toEqual([400, "invalid_handshake"]);
      expect(res.text).not.toContain(createHmac("sha256", NEW).update(plainToken).digest("hex"));
    }
    // Zoom's own token shape is still answered, under the token that signed the request.
    const token = (secret: string) =>
      createHmac("sha256", secret).update("qgg8vlvZRS6UYooatFL8Aw").digest("hex");
    const byOld = await post(url, zoom(ZOOM_SECRET), handshakes.zoom["endpoint.url_validation"]);
    expect([byOld.status, byOld.json.encryptedToken]).toEqual([200, token(ZOOM_SECRET)]);
    const byNew = await post(url, zoom(NEW), handshakes.zoom["endpoint.url_validation"]);
    expect([byNew.status, byNew.json.encryptedToken]).toEqual([200, token(NEW)]);
    expect(ran).toEqual([]);
  });

  it('Discord PING: 200 {"type":1}, only once the Ed25519 signature verified', async () => {
    const { receiver, ran } = receiverFor(providers.discord({ publicKey: discordPublicKey }));
    const url = await start(receiver, "/interactions");
    const res = await post(url, discordSigner(), handshakes.discord.ping);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
    expect(res.text).toBe('{"type":1}');
    expect(ran).toEqual([]);
    // Signed by another key: 401.
    const forged = await post(url, discordSigner(OTHER), handshakes.discord.ping);
    expect([forged.status, forged.json.error]).toEqual([401, "invalid_signature"]);
    expect(forged.text).not.toContain('"type":1');
  });

  it("a handshake on a route whose provider has none for it is refused", async () => {
    const eulabel = receiverFor(providers.eulabel({ secret: SLACK_SECRET }));
    const eulabelUrl = await start(eulabel.receiver, "/webhooks/eulabel");
    // Slack's challenge, correctly signed by Slack, at an EUlabel route: its signature is not EUlabel's.
    const atEulabel = await post(eulabelUrl, slack(), handshakes.slack.url_verification);
    expect([atEulabel.status, atEulabel.json.error]).toEqual([401, "missing_signature"]);
    // Zoom's validation signed with the same secret but as Slack signs: the Slack route answers no Zoom handshake.
    const slackRoute = receiverFor(slack(ZOOM_SECRET));
    const slackUrl = await start(slackRoute.receiver, "/webhooks/slack");
    const atSlack = await post(slackUrl, slack(ZOOM_SECRET), handshakes.zoom["endpoint.url_validation"]);
    expect(atSlack.status).toBe(400);
    expect(atSlack.json.error).toBe("invalid_payload");
    expect(atSlack.text).not.toContain("encryptedToken");
    // CloudEvents' OPTIONS at a route without cloudEventsValidation: 405 as any other method.
    const options = await send(slackUrl, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "eventemitter.example.com" },
    });
    expect([options.status, options.json.error]).toEqual([405, "method_not_allowed"]);
    expect(options.headers["webhook-allowed-origin"]).toBeUndefined();
    expect([...eulabel.ran, ...slackRoute.ran]).toEqual([]);
  });

  it("CloudEvents OPTIONS: a refused origin is echoed at most 100 printable characters, in the answer and the logs", async () => {
    const provider = withHandshake(
      providers.generic({ secret: OTHER }),
      cloudEventsValidation({ allowedOrigins: ["eventemitter.example.com"] }),
    );
    const { receiver, lines } = receiverFor(provider);
    const url = await start(receiver, "/webhooks/events");
    // 10 KB: under Node's 16 KB header limit, so every adapter's server lets it through.
    const origin = `evil.example.net${"A".repeat(10_000)}`;
    const refused = await send(url, { method: "OPTIONS", headers: { "webhook-request-origin": origin } });
    expect([refused.status, refused.json.error]).toEqual([403, "origin_not_allowed"]);
    const message = String(refused.json.message);
    expect(message).toContain(`"${origin.slice(0, 100)}…"`);
    expect(message).not.toContain(origin.slice(0, 101));
    expect(message.length).toBeLessThan(400);
    for (const line of lines) expect(line).not.toContain(origin.slice(0, 101));
  });

  it("CloudEvents OPTIONS: an allowed origin gets WebHook-Allowed-Origin and -Rate; others are refused", async () => {
    const provider = withHandshake(
      providers.generic({ secret: OTHER }),
      cloudEventsValidation({ allowedOrigins: ["EventEmitter.example.com"], allowedRate: 120 }),
    );
    const { receiver, ran } = receiverFor(provider);
    const url = await start(receiver, "/webhooks/events");
    const ok = await send(url, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "eventemitter.example.com", "webhook-request-rate": "240" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers["webhook-allowed-origin"]).toBe("eventemitter.example.com");
    expect(ok.headers["webhook-allowed-rate"]).toBe("120");
    expect(ok.headers.allow).toMatch(/POST/);
    // The same empty answer on every adapter, whatever its own default for an empty body.
    expect([ok.headers["content-type"], ok.text]).toEqual(["text/plain; charset=utf-8", ""]);
    const refused = await send(url, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "attacker.example.net" },
    });
    expect([refused.status, refused.json.error]).toEqual([403, "origin_not_allowed"]);
    expect(refused.headers["webhook-allowed-origin"]).toBeUndefined();
    const anonymous = await send(url, { method: "OPTIONS" });
    expect([anonymous.status, anonymous.json.error]).toEqual([400, "invalid_handshake"]);
    // Other methods stay 405; POST deliveries still verify and route.
    const get = await send(url, { method: "GET" });
    expect([get.status, get.headers.allow]).toEqual([405, "POST, OPTIONS"]);
    const event = await post(url, providers.generic({ secret: OTHER }), fixtures.generic["user.created"]);
    expect([event.status, ran]).toEqual([200, ["user.created"]]);
  });
});

describe("cloudEventsValidation configuration", () => {
  it("refuses an empty allow-list and a bad rate with invalid_config", () => {
    expect(() => cloudEventsValidation({ allowedOrigins: [] })).toThrow(/allowedOrigins/);
    expect(() => cloudEventsValidation({ allowedOrigins: ["a.example"], allowedRate: 0 })).toThrow(
      /allowedRate/,
    );
  });
});

describe("the CLI signs handshakes as the senders do", () => {
  const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));
  const cli = (args: string[]) => {
    const out = spawnSync(process.execPath, [CLI, ...args], {
      encoding: "utf8",
      env: { ...process.env, NO_COLOR: "" },
    });
    return { code: out.status, stdout: out.stdout, stderr: out.stderr };
  };

  it("sign --event endpoint.url_validation: the document's body, answered by a Zoom receiver", async () => {
    const signed = cli([
      "sign",
      "--provider",
      "zoom",
      "--secret",
      ZOOM_SECRET,
      "--event",
      "endpoint.url_validation",
      "--json",
    ]);
    expect(signed.code).toBe(0);
    const wire = JSON.parse(signed.stdout) as { headers: Record<string, string>; body: string };
    expect(JSON.parse(wire.body)).toEqual(handshakes.zoom["endpoint.url_validation"]);
    const res = await createReceiver({ provider: zoom() }).handle({
      method: "POST",
      headers: wire.headers,
      rawBody: new TextEncoder().encode(wire.body),
    });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({
      plainToken: "qgg8vlvZRS6UYooatFL8Aw",
      encryptedToken: createHmac("sha256", ZOOM_SECRET).update("qgg8vlvZRS6UYooatFL8Aw").digest("hex"),
    });
  });

  it("--list-events names each platform's handshakes, marked", () => {
    for (const [provider, name] of [
      ["slack", "url_verification"],
      ["discord", "ping"],
      ["zoom", "endpoint.url_validation"],
    ] as const) {
      const listed = cli(["--list-events", "--provider", provider]);
      expect(listed.stdout).toContain(`${name}   (handshake: answered by the receiver`);
    }
  });
});

describe("cloudEventsValidation options", () => {
  it("refuses allowedOrigins given as a string, naming the fix", () => {
    expect(() => cloudEventsValidation({ allowedOrigins: "events.example.com" as never })).toThrow(
      /allowedOrigins must be an array of origins/,
    );
  });
});
