import { spawn } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createReceiver, providers, utf8Bytes, verify } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { generateEd25519Keys, signDelivery } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "./conformance/servers/listen.js";
import { recordAll } from "./providers/support.js";

const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));

function run(args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    // No inherited WEBHOOK_* variable decides which key signs.
    const { WEBHOOK_SECRET: _s, WEBHOOK_PRIVATE_KEY: _k, ...inherited } = process.env;
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...inherited, ...env, NO_COLOR: "" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end("");
  });
}

describe("Ed25519 in @webhook-kit/testing and the CLI", () => {
  const serve = listenPerTest();

  it("generateEd25519Keys: a whpk_/whsk_ pair that signs what the receiver verifies, different every call", async () => {
    const keys = await generateEd25519Keys();
    expect(keys.publicKey).toMatch(/^whpk_[A-Za-z0-9+/]{43}=$/);
    expect(keys.privateKey).toMatch(/^whsk_[A-Za-z0-9+/]{86}==$/);
    expect((await generateEd25519Keys()).privateKey).not.toBe(keys.privateKey);
    const wire = await signDelivery(providers.standardWebhooks({ privateKey: keys.privateKey }), {
      type: "invoice.paid",
    });
    expect(wire.headers["webhook-signature"]).toMatch(/^v1a,/);
    const outcome = await verify(providers.standardWebhooks({ publicKey: keys.publicKey }), {
      method: "POST",
      headers: wire.headers,
      rawBody: wire.body,
    });
    expect(outcome).toEqual({ ok: true });
  });

  it("keygen, then sign --private-key: the receiver holding the printed public key verifies it", async () => {
    const keygen = await run(["keygen", "--json"]);
    expect(keygen.code).toBe(0);
    const keys = JSON.parse(keygen.stdout) as { publicKey: string; privateKey: string };
    for (const viaEnv of [false, true]) {
      const args = ["sign", "--provider", "standard-webhooks", "--event", "invoice.paid", "--json"];
      const res = viaEnv
        ? await run(args, { WEBHOOK_PRIVATE_KEY: keys.privateKey })
        : await run([...args, "--private-key", keys.privateKey]);
      expect(res.code, res.stderr).toBe(0);
      const out = JSON.parse(res.stdout) as { headers: Record<string, string>; body: string };
      expect(out.headers["webhook-signature"]).toMatch(/^v1a,/);
      const outcome = await verify(providers.standardWebhooks({ publicKey: keys.publicKey }), {
        method: "POST",
        headers: out.headers,
        rawBody: utf8Bytes(out.body),
      });
      expect(outcome).toEqual({ ok: true });
      expect(res.stdout + res.stderr).not.toContain(keys.privateKey.slice(5));
    }
  });

  it("sign --provider discord --private-key: Ed25519 that providers.discord({ publicKey }) verifies", async () => {
    const keys = await generateEd25519Keys();
    const res = await run([
      "sign",
      "--provider",
      "discord",
      "--event",
      "application_command",
      "--private-key",
      keys.privateKey,
      "--json",
    ]);
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout) as { headers: Record<string, string>; body: string };
    expect(out.headers["x-signature-ed25519"]).toMatch(/^[0-9a-f]{128}$/);
    const outcome = await verify(providers.discord({ publicKey: keys.publicKey }), {
      method: "POST",
      headers: out.headers,
      rawBody: utf8Bytes(out.body),
    });
    expect(outcome).toEqual({ ok: true });
    expect(res.stdout + res.stderr).not.toContain(keys.privateKey.slice(5));
  });

  it("send --private-key delivers a v1a delivery to a real receiver", async () => {
    const keys = await generateEd25519Keys();
    const receiver = createReceiver({ provider: providers.standardWebhooks({ publicKey: keys.publicKey }) });
    const seen = recordAll(receiver);
    const url = await serve(
      http.createServer(createNodeHandler(receiver, { path: "/webhooks" })),
      "/webhooks",
    );
    const res = await run(["send", "--provider", "svix", "--private-key", keys.privateKey, "--url", url]);
    expect(res.code, res.stderr).toBe(0);
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it.each([
    [["sign", "--provider", "eudr", "--private-key", "whsk_x"], "eudr signs with a shared secret"],
    [["sign", "--provider", "svix", "--private-key", "whsk_x", "--secret", "s"], "not both"],
    [["sign", "--provider", "standard-webhooks", "--private-key", "whpk_AAAA"], "this is a public key"],
  ])("%j → exit 2 with one error line and a hint", async (args, message) => {
    const res = await run(args);
    expect(res.code).toBe(2);
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toMatch(/^hint: \S/);
  });
});
