import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { providers, utf8Bytes, verify } from "@webhook-kit/core";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { useColour } from "../packages/testing/src/cli/style.js";

const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));
const SECRET = "whsec_cli_test_secret";
const ESC = "\u001b[";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], options: { stdin?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env, NO_COLOR: "" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? "");
  });
}

const children: ChildProcess[] = [];
const servers: http.Server[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((resolve) => s.close(resolve));
      s.closeAllConnections();
      return closed;
    }),
  );
});

/** Starts `listen` on a free port; resolves with its URL and a live view of its output. */
async function startListener(args: string[]) {
  const child = spawn(process.execPath, [CLI, "listen", "--port", "0", ...args]);
  children.push(child);
  const output = { text: "" };
  child.stdout.on("data", (c: Buffer) => (output.text += c.toString()));
  child.stderr.on("data", (c: Buffer) => (output.text += c.toString()));
  const url = await waitFor(() => /listening for \S+ on (http:\/\/\S+)/.exec(output.text)?.[1]);
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  return { child, output, url, exited };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error("timed out waiting for CLI output");
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(() => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm build\` first (the CLI tests spawn the built bin).`);
});

describe("webhook-kit CLI: usage and exit codes", () => {
  it("--help prints the usage on stdout and exits 0, without colour when not on a terminal", async () => {
    const res = await run(["--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("webhook-kit listen --provider");
    expect(res.stdout).toContain("Exit codes: 0 ok, 1 delivery failed, 2 usage error");
    expect(res.stdout).not.toContain(ESC);
  });

  it.each([
    [[], "Missing command"],
    [["frobnicate"], 'Unknown command "frobnicate"'],
    [["send", "--bogus"], "Unknown option"],
    [["sign", "--secret", "x"], "--provider is required"],
    [["sign", "--provider", "eudr"], "--secret is required"],
    [["sign", "--provider", "nope", "--secret", "x"], 'Unknown provider "nope"'],
    [["send", "--provider", "eudr", "--secret", "x"], "--url is required"],
    [
      ["send", "--provider", "eudr", "--secret", "x", "--url", "http://127.0.0.1:1/", "--event", "nope"],
      "No example nope",
    ],
    [["sign", "--provider", "standard-webhooks", "--secret", "whsec_!!!"], "not valid base64"],
  ])("%j → exit 2 with a helpful message on stderr", async (args, message) => {
    const res = await run(args as string[]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    expect(res.stderr).toContain("Usage:");
    expect(res.stderr).not.toContain("whsec_!!!");
  });

  it("decides colour from the terminal and NO_COLOR", () => {
    expect(useColour(true, {})).toBe(true);
    expect(useColour(false, {})).toBe(false);
    expect(useColour(undefined, {})).toBe(false);
    expect(useColour(true, { NO_COLOR: "1" })).toBe(false);
    expect(useColour(true, { NO_COLOR: "" })).toBe(true);
    expect(useColour(true, { TERM: "dumb" })).toBe(false);
  });
});

describe("webhook-kit sign", () => {
  it("prints headers for a body on stdin that the preset verifies", async () => {
    const body =
      '{"event":"supplier.created","timestamp":"2024-01-15T10:30:00.000Z","integrationId":"i","data":{"externalId":"a","internalId":"b"}}';
    const res = await run(["sign", "--provider", "eudr", "--secret", SECRET], { stdin: body });
    expect(res.code).toBe(0);
    const headers = Object.fromEntries(
      res.stdout
        .trim()
        .split("\n")
        .map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]),
    );
    expect(headers).toMatchObject({
      "x-webhook-event": "supplier.created",
      "user-agent": "EUDR-Platform-Webhook/1.0",
    });
    const outcome = await verify(providers.eudr({ secret: SECRET }), {
      method: "POST",
      headers,
      rawBody: utf8Bytes(body),
    });
    expect(outcome.ok).toBe(true);
    expect(res.stdout).not.toContain(SECRET);
  });

  it("prints the signed body for body-embedded signatures, and JSON with --json (secret from WEBHOOK_SECRET)", async () => {
    const body = '{"event":"shipment.created","data":{"id":"ship_1"},"timestamp":"t"}';
    const res = await run(["sign", "--provider", "shipping", "--json"], {
      stdin: body,
      env: { WEBHOOK_SECRET: SECRET },
    });
    expect(res.code).toBe(0);
    const out = JSON.parse(res.stdout) as { headers: Record<string, string>; body: string };
    const outcome = await verify(providers.shipping({ secret: SECRET }), {
      method: "POST",
      headers: out.headers,
      rawBody: utf8Bytes(out.body),
    });
    expect(outcome.ok).toBe(true);
  });
});

describe("webhook-kit listen + send", () => {
  it("listen prints each verified, typed event; send exits 0, a wrong secret exits 1; SIGTERM stops with 0", async () => {
    const listener = await startListener([
      "--provider",
      "generic",
      "--secret",
      SECRET,
      "--path",
      "/webhooks",
    ]);
    const url = `${listener.url.replace(/\/webhooks$/, "")}/webhooks`;
    // The same test event twice: the second is the platform's redelivery.
    const sendSame = [
      "send",
      "--provider",
      "generic",
      "--secret",
      SECRET,
      "--url",
      url,
      "--event",
      "project.created",
    ];
    const ok = await run(sendSame);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/attempt 1 → 200/);
    await waitFor(() =>
      listener.output.text.includes("project.created generic:evt_abc124") ? true : undefined,
    );
    expect(listener.output.text).toContain('"name": "Website relaunch"');
    const again = await run(sendSame);
    expect(again.code).toBe(0);
    await waitFor(() => (listener.output.text.includes("duplicate") ? true : undefined));
    const bad = await run(["send", "--provider", "generic", "--secret", "not-the-secret", "--url", url]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain("not delivered");
    await waitFor(() => (listener.output.text.includes("401 invalid_signature") ? true : undefined));
    expect(listener.output.text).not.toContain(SECRET);
    listener.child.kill("SIGTERM");
    expect(await listener.exited).toBe(0);
  });

  it("send --file sends the file's bytes as they are", async () => {
    const listener = await startListener(["--provider", "stripe", "--secret", SECRET]);
    const { writeFileSync, mkdtempSync, rmSync } = await import("node:fs");
    const dir = mkdtempSync("/tmp/webhook-kit-cli-");
    const file = `${dir}/event.json`;
    writeFileSync(
      file,
      '{ "id": "evt_file", "object": "event", "type": "invoice.paid", "created": 1, "livemode": false, "data": { "object": {} } }',
    );
    const res = await run([
      "send",
      "--provider",
      "stripe",
      "--secret",
      SECRET,
      "--url",
      listener.url,
      "--file",
      file,
    ]);
    expect(res.code).toBe(0);
    await waitFor(() => (listener.output.text.includes("invoice.paid stripe:evt_file") ? true : undefined));
    rmSync(dir, { recursive: true, force: true });
  });

  it("send --retry replays the platform's schedule (scaled) until a 2xx; an unreachable URL exits 1", async () => {
    let hits = 0;
    const server = http.createServer((req, res) => {
      req.resume();
      req.on("end", () => {
        hits += 1;
        res.writeHead(hits < 3 ? 500 : 204).end();
      });
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const res = await run([
      "send",
      "--provider",
      "eudr",
      "--secret",
      SECRET,
      "--url",
      url,
      "--retry",
      "--time-scale",
      "0.01",
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/attempt 1 → 500[\s\S]*attempt 2 → 500[\s\S]*attempt 3 → 204/);
    expect(hits).toBe(3);
    const down = await run([
      "send",
      "--provider",
      "eudr",
      "--secret",
      SECRET,
      "--url",
      "http://127.0.0.1:9/",
    ]);
    expect(down.code).toBe(1);
  });
});
