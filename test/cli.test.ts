import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { createReceiver, providers, utf8Bytes, verify } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { fixtures, platforms, signDelivery } from "@webhook-kit/testing";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { useColour } from "../packages/testing/src/cli/style.js";

const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));
const SECRET = "whsec_cli_test_secret";
const ESC = "\u001b[";
// A control character other than a line feed: what must never reach a terminal from a sender.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(
  args: string[],
  options: { stdin?: string; env?: Record<string, string>; cwd?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, ...options.env, NO_COLOR: "" },
      ...(options.cwd ? { cwd: options.cwd } : {}),
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

/** `send` of a generic `user.created` to `url`, signed with SECRET; `more` adds flags. */
function sendGeneric(url: string, more: string[] = []): Promise<Run> {
  return run([
    "send",
    "--provider",
    "generic",
    "--secret",
    SECRET,
    "--url",
    url,
    "--event",
    "user.created",
    ...more,
  ]);
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

const FIXTURES = fileURLToPath(new URL("./fixtures/cli/", import.meta.url));
const VERSION = (
  JSON.parse(readFileSync(new URL("../packages/testing/package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

/** A server on a free port that records each request and answers with `answer`. */
async function recorder(answer: (req: http.IncomingMessage) => [number, string, Record<string, string>?]) {
  const seen: { headers: http.IncomingHttpHeaders; body: string }[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const [status, body, headers] = answer(req);
      res.writeHead(status, { "content-type": "application/json", ...headers }).end(body);
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks`, seen };
}

/** A port nothing listens on (not one of the ports fetch blocks, such as 9). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

describe("webhook-kit CLI: usage, --version, --list-events", () => {
  it("--help prints the usage on stdout and exits 0, without colour when not on a terminal", async () => {
    const res = await run(["--help"]);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain("webhook-kit listen --provider");
    expect(res.stdout).toContain(
      "Exit codes: 0 handled (or delivered), 1 not delivered, 2 usage error, 3 acknowledged",
    );
    expect(res.stdout).not.toContain(ESC);
  });

  it("--version prints the package's version", async () => {
    for (const flag of ["--version", "-v"]) {
      const res = await run([flag]);
      expect(res).toMatchObject({ code: 0, stdout: `${VERSION}\n` });
    }
  });

  it.each([
    [[], "Missing command."],
    [["frobnicate"], 'Unknown command "frobnicate".'],
    [["send", "--bogus"], "Unknown option --bogus."],
    [["send", "--url"], "--url needs a value."],
    [["sign", "--secret", "x"], "--provider is required."],
    [["sign", "--provider", "eudr"], "--secret is required (or set WEBHOOK_SECRET)."],
    [["sign", "--provider", "nope", "--secret", "x"], 'Unknown provider "nope".'],
    [["send", "--provider", "eudr", "--secret", "x"], "--url is required."],
    [
      ["send", "--provider", "eudr", "--secret", "x", "--url", "localhost:3000"],
      "--url must be http: or https:",
    ],
    [
      ["send", "--provider", "eudr", "--secret", "x", "--url", "http://127.0.0.1:1/", "--event", "nope"],
      'No example "nope" payload for eudr.',
    ],
    [
      ["send", "--provider", "eudr", "--secret", "x", "--url", "http://127.0.0.1:1/", "--set", "novalue"],
      "--set novalue: expected path=value",
    ],
    [
      ["send", "--provider", "eudr", "--secret", "x", "--url", "http://127.0.0.1:1/", "--header", "bad"],
      '--header bad: expected "name: value"',
    ],
    [["sign", "--provider", "standard-webhooks", "--secret", "whsec_!!!"], "not valid base64"],
    [["sign", "--provider", "eudr", "--secret", "x"], "The body on stdin is empty."],
  ])("%j → exit 2: one line saying what is wrong, one hint, not the whole help", async (args, message) => {
    const res = await run(args as string[]);
    expect(res.code).toBe(2);
    const lines = res.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toContain(message);
    expect(lines[1]).toMatch(/^hint: \S/);
    expect(res.stderr).not.toContain("Usage:");
    expect(res.stderr).not.toContain("whsec_!!!");
  });

  it("names the events it has fixtures for; every event each preset declares has one", async () => {
    const eudr = await run(["--list-events", "--provider", "eudr"]);
    expect(eudr).toMatchObject({ code: 0, stdout: "supplier.created\nsupplier.updated\nsync.completed\n" });
    const github = await run(["--list-events", "--provider", "github"]);
    expect(github.stdout.split("\n")).toEqual(expect.arrayContaining(["ping", "push", "issues.opened"]));
    expect(github.stderr).toContain("github also delivers event types it does not declare");
    const generic = await run(["--list-events", "--provider", "generic"]);
    expect(generic.stdout.trim().split("\n")).toEqual(Object.keys(providers.generic({ secret: "s" }).events));
    for (const name of Object.keys(platforms)) {
      const res = await run(["--list-events", "--provider", name]);
      expect(res.code).toBe(0);
      expect(res.stdout).not.toContain("no example payload");
    }
  });

  it("providers: every registry platform with its preset's own facts; --help names the same", async () => {
    const res = await run(["providers"]);
    expect(res.code).toBe(0);
    const names = res.stdout
      .split("\n")
      .filter((line) => /^\S/.test(line))
      .map((line) => line.split(" ")[0]);
    expect(names).toEqual(Object.keys(platforms));
    expect(res.stdout).toMatch(
      /^eudr +providers\.eudr signs the raw body\n +sender waits 10 s · 4 attempts over 36 s · keys kept 12 min · 3 example events$/m,
    );
    expect(res.stdout).toMatch(/^shipping .*\n .* 6 attempts over 31 min \(assumed\) · keys kept 72 h/m);
    // What the kit assumes is marked as such: eulabel-inbound borrows EUlabel's schedule; generic, shipping
    // and Stripe publish no timeout; Stripe's delays are a doubling that fits its documented 3 days.
    expect(res.stdout).toMatch(
      /^eulabel-inbound .*\n +sender waits 30 s · 6 attempts over [^·]+ \(assumed\) ·/m,
    );
    expect(res.stdout).toMatch(/^eulabel .*\n +sender waits 30 s · 6 attempts over [^·(]+ ·/m);
    for (const name of ["generic", "shipping", "stripe"])
      expect(res.stdout).toMatch(new RegExp(`^${name} .*\\n +sender waits 10 s \\(assumed\\) ·`, "m"));
    expect(res.stdout).toMatch(/^stripe .*\n .* 7 attempts over [^·]+ \(assumed\) ·/m);
    expect(res.stdout).toMatch(/^github .*\n +sender waits 10 s · 1 attempt ·/m);
    const json = JSON.parse((await run(["providers", "--json"])).stdout) as {
      name: string;
      retentionMs: number;
      assumedTimeout: boolean;
      assumedSchedule: boolean;
    }[];
    expect(json.filter((summary) => summary.assumedSchedule).map((summary) => summary.name)).toEqual([
      "eulabel-inbound",
      "shipping",
      "stripe",
    ]);
    expect(json.filter((summary) => summary.assumedTimeout).map((summary) => summary.name)).toEqual([
      "generic",
      "shipping",
      "stripe",
    ]);
    expect(json.map((summary) => summary.name)).toEqual(Object.keys(platforms));
    expect(json.find((summary) => summary.name === "eulabel")?.retentionMs).toBe(
      providers.eulabel({ secret: SECRET }).retentionMs,
    );
    const help = await run(["--help"]);
    expect(help.stdout).toContain(
      `--provider     ${Object.keys(platforms).join(", ")} (see webhook-kit providers)`,
    );
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

  it("signs a body that is not a JSON object, with a warning on stderr (a receiver would answer 400)", async () => {
    for (const body of ["not json", "[1,2]"]) {
      const res = await run(["sign", "--provider", "generic", "--secret", SECRET], { stdin: body });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain("x-webhook-signature:");
      expect(res.stderr).toContain("warning: the body is not a JSON object");
    }
    const ok = await run(["sign", "--provider", "generic", "--secret", SECRET], { stdin: '{"a":1}' });
    expect(ok.stderr).toBe("");
  });

  it("a body-signed provider (shipping) refuses a body that is not a JSON object: the error alone, no 'signed anyway'", async () => {
    const res = await run(["sign", "--provider", "shipping", "--secret", SECRET], { stdin: "not json" });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("needs a JSON object body");
    expect(res.stderr).not.toContain("Signed anyway");
    expect(res.stdout).toBe("");
  });

  it("signs a fresh fixture with --event; whitespace on stdin is refused like nothing", async () => {
    const res = await run([
      "sign",
      "--provider",
      "stripe",
      "--secret",
      SECRET,
      "--event",
      "invoice.paid",
      "--json",
    ]);
    const out = JSON.parse(res.stdout) as { headers: Record<string, string>; body: string };
    expect(JSON.parse(out.body)).toMatchObject({
      type: "invoice.paid",
      id: expect.stringMatching(/^evt_\w{24}$/),
    });
    const outcome = await verify(providers.stripe({ secret: SECRET }), {
      method: "POST",
      headers: out.headers,
      rawBody: utf8Bytes(out.body),
    });
    expect(outcome.ok).toBe(true);
    const blank = await run(["sign", "--provider", "eudr", "--secret", SECRET], { stdin: " \n\t\n" });
    expect(blank.code).toBe(2);
    expect(blank.stderr).toContain("The body on stdin is empty.");
    const sendBlank = await run(
      ["send", "--provider", "eudr", "--secret", SECRET, "--url", "http://127.0.0.1:1/", "--file", "-"],
      { stdin: "" },
    );
    expect(sendBlank.code).toBe(2);
    expect(sendBlank.stderr).toContain("The body on stdin is empty.");
  });
});

describe("webhook-kit listen + send", () => {
  it("each send is a new event (both handled, exit 0); --same is a redelivery the receiver drops (duplicate, exit 3)", async () => {
    const listener = await startListener([
      "--provider",
      "eulabel",
      "--secret",
      SECRET,
      "--path",
      "/webhooks",
    ]);
    const url = `${listener.url.replace(/\/webhooks$/, "")}/webhooks`;
    const sendArgs = [
      "send",
      "--provider",
      "eulabel",
      "--secret",
      SECRET,
      "--url",
      url,
      "--event",
      "passport.published",
    ];
    for (let i = 0; i < 2; i++) {
      const res = await run(sendArgs);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain("a new event");
      expect(res.stdout).toContain('attempt 1 → 200 {"received":true}');
      expect(res.stdout).toContain("handled: the receiver ran its handlers for passport.published (200).");
    }
    await waitFor(() =>
      listener.output.text.match(/passport\.published eulabel:/g)?.length === 2 ? true : undefined,
    );
    const first = await run([...sendArgs, "--same"]);
    expect(first.code).toBe(0);
    const again = await run([...sendArgs, "--same"]);
    expect(again.code).toBe(3);
    expect(again.stdout).toContain('↺ attempt 1 → 200 {"received":true,"duplicate":true}');
    expect(again.stdout).toContain(
      "duplicate: the receiver already had this delivery, so nothing ran (--same repeats",
    );
    expect(again.stdout).not.toContain("handled:");
    await waitFor(() =>
      listener.output.text.includes("duplicate delivery acknowledged") ? true : undefined,
    );
    expect(listener.output.text.match(/passport\.published eulabel:/g)).toHaveLength(3);
    const bad = await run(["send", "--provider", "eulabel", "--secret", "not-the-secret", "--url", url]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toContain('✗ attempt 1 → 401 {"error":"invalid_signature"');
    expect(bad.stdout).toContain(
      "not delivered after 1 attempt(s): 401 invalid_signature — is --secret the receiver's secret",
    );
    await waitFor(() => (listener.output.text.includes("401 invalid_signature") ? true : undefined));
    expect(listener.output.text).not.toContain(SECRET);
    const wrongPath = await run(["send", "--provider", "eulabel", "--secret", SECRET, "--url", `${url}/x`]);
    expect(wrongPath.code).toBe(1);
    expect(wrongPath.stdout).toContain("404 not_found — check the path in --url.");
    listener.child.kill("SIGTERM");
    expect(await listener.exited).toBe(0);
  });

  it("listen prints a signed id, type and payload with their control characters escaped", async () => {
    const listener = await startListener(["--provider", "generic", "--secret", SECRET]);
    const hostile = "evt_\u001b]0;PWNED\u0007\u001b[2J\u009b31m";
    const payload = { ...fixtures.generic["user.created"], id: hostile, note: "\u009b2J\u007f" };
    const signed = await signDelivery(providers.generic({ secret: SECRET }), payload);
    const res = await fetch(listener.url, { method: "POST", headers: signed.headers, body: signed.body });
    expect(res.status).toBe(200);
    await waitFor(() => (listener.output.text.includes("user.created") ? true : undefined));
    await waitFor(() => (listener.output.text.includes("note") ? true : undefined));
    expect(listener.output.text).toContain("evt_\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m");
    expect(listener.output.text).toContain('"note": "\\x9b2J\\x7f"');
    expect(listener.output.text).not.toMatch(CONTROL);
  });

  it("listen escapes the invisible characters that reorder or break a line (U+200F, U+2028, …)", async () => {
    const listener = await startListener(["--provider", "generic", "--secret", SECRET]);
    const sneaky = "evt_\u200eA\u200fB\u061cC\u2028D\u2029E";
    const payload = { ...fixtures.generic["user.created"], id: sneaky };
    const signed = await signDelivery(providers.generic({ secret: SECRET }), payload);
    const res = await fetch(listener.url, { method: "POST", headers: signed.headers, body: signed.body });
    expect(res.status).toBe(200);
    await waitFor(() => (listener.output.text.includes("user.created") ? true : undefined));
    expect(listener.output.text).toContain("evt_\\u200eA\\u200fB\\u061cC\\u2028D\\u2029E");
    expect(listener.output.text).not.toMatch(/[\u200e\u200f\u061c\u2028\u2029]/);
  });

  it("listen --path with a query or a fragment is a usage error naming the fix (no path ever matches it)", async () => {
    for (const path of ["/hooks/x#frag", "/hooks?x=1"]) {
      const res = await run([
        "listen",
        "--provider",
        "generic",
        "--secret",
        SECRET,
        "--port",
        "0",
        "--path",
        path,
      ]);
      expect(res.code, res.stdout + res.stderr).toBe(2);
      expect(res.stderr).toContain("--path /hooks");
    }
  });

  it("listen invites no body it refuses: Expect: 100-continue with a declared length over the limit gets 413 only", async () => {
    const listener = await startListener(["--provider", "generic", "--secret", SECRET]);
    const { hostname, port, pathname } = new URL(listener.url);
    const answer = await new Promise<string>((resolve) => {
      const socket = net.connect(Number(port), hostname);
      let text = "";
      socket.on("connect", () =>
        socket.write(
          `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}\r\nexpect: 100-continue\r\ncontent-length: 100000000\r\nconnection: close\r\n\r\n`,
        ),
      );
      socket.on("data", (c: Buffer) => (text += c.toString("latin1")));
      socket.on("close", () => resolve(text));
      socket.on("error", () => {});
    });
    expect([...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1])).toEqual(["413"]);
  });

  it("listen --path accepts a request target with a fragment, as every adapter does", async () => {
    const listener = await startListener(["--provider", "generic", "--secret", SECRET, "--path", "/hooks"]);
    const { port } = new URL(listener.url);
    const signed = await signDelivery(
      providers.generic({ secret: SECRET }),
      fixtures.generic["user.created"],
    );
    const status = await new Promise<number>((resolve, reject) => {
      const body = Buffer.from(signed.body);
      const req = http.request(
        { host: "127.0.0.1", port, path: "/hooks#frag", method: "POST", agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      for (const [name, value] of Object.entries(signed.headers)) req.setHeader(name, value);
      req.setHeader("content-length", String(body.length));
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(200);
  });

  it("send prints the answer of the server at --url with its control characters escaped", async () => {
    const target = await recorder(() => [502, "bad gateway \u001b]0;PWNED\u0007\u001b[2J\u009b31m"]);
    const res = await run(["send", "--provider", "eudr", "--secret", SECRET, "--url", target.url]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain("502 bad gateway \\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m");
    expect(res.stdout).not.toMatch(CONTROL);
  });

  it("a receiver without a handler for the type answers handled:false: shown as not handled, exit 3", async () => {
    const receiver = createReceiver({ provider: providers.eudr({ secret: SECRET }) });
    const server = http.createServer(createNodeHandler(receiver));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const res = await run(["send", "--provider", "eudr", "--secret", SECRET, "--url", url]);
    expect(res.code).toBe(3);
    expect(res.stdout).toContain('○ attempt 1 → 200 {"received":true,"handled":false}');
    expect(res.stdout).toContain("not handled: the receiver has no handler for supplier.created");
  });

  it("GitHub push (and every other fixture) is sent with its X-GitHub-Event", async () => {
    const listener = await startListener(["--provider", "github", "--secret", SECRET]);
    const res = await run([
      "send",
      "--provider",
      "github",
      "--secret",
      SECRET,
      "--url",
      listener.url,
      "--event",
      "push",
    ]);
    expect(res.code, res.stdout).toBe(0);
    await waitFor(() => (listener.output.text.includes("✓") ? true : undefined));
    expect(listener.output.text).toMatch(
      /✓ \S+ push github:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/,
    );
    expect(listener.output.text).toContain('"ref": "refs/heads/main"');
  });

  it("--set changes payload fields, --header adds headers, and the signature covers the result", async () => {
    const target = await recorder(() => [200, '{"received":true}']);
    const res = await sendGeneric(target.url, [
      "--set",
      "data.email=ada@example.com",
      "--set",
      "data.age=36",
      "--set",
      "data.flags.beta=true",
      "--header",
      "x-request-id: 42",
      "--header",
      "User-Agent=curl-like",
    ]);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const [seen] = target.seen;
    const body = JSON.parse(seen?.body ?? "{}") as { id: string; data: Record<string, unknown> };
    expect(body.data).toMatchObject({
      email: "ada@example.com",
      age: 36,
      flags: { beta: true },
      id: "usr_789",
    });
    expect(body.id).toMatch(/^evt_[0-9a-z]{24}$/); // fresh
    expect(seen?.headers).toMatchObject({ "x-request-id": "42", "user-agent": "curl-like" });
    const outcome = await verify(providers.generic({ secret: SECRET }), {
      method: "POST",
      headers: seen?.headers as Record<string, string>,
      rawBody: utf8Bytes(seen?.body ?? ""),
    });
    expect(outcome.ok).toBe(true);
  });

  it('a foreign 2xx {"received":true} (stripe-node style) says only that the receiver accepted it', async () => {
    const target = await recorder(() => [200, '{"received":true}']);
    const res = await sendGeneric(target.url);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain("delivered (200): the receiver accepted it");
    expect(res.stdout).not.toContain("ran its handlers");
  });

  it.each([
    ['202 {"received":true,"status":"queued"}', 202, '{"received":true,"status":"queued"}'],
    ['200 {"received":true,"duplicate":true}', 200, '{"received":true,"duplicate":true}'],
  ])(
    "a foreign %s without webhook-kit-outcome is only delivered, never queued or duplicate",
    async (_, status, body) => {
      const target = await recorder(() => [status, body]);
      const res = await sendGeneric(target.url);
      expect(res.code, res.stdout + res.stderr).toBe(0);
      expect(res.stdout).toContain(`delivered (${status}): the receiver accepted it`);
      expect(res.stdout).not.toMatch(/queued \(|duplicate:/);
    },
  );

  it.each([302, 307, 308])(
    "a %i redirect is reported with its Location, not followed, exit 1",
    async (status) => {
      const elsewhere = await recorder(() => [200, '{"received":true}']);
      const target = await recorder(() => [
        status,
        "",
        { location: elsewhere.url.replace("/webhooks", "/hooks") },
      ]);
      const res = await sendGeneric(target.url, ["--retry", "--time-scale", "0"]);
      expect(res.code, res.stdout + res.stderr).toBe(1);
      const to = elsewhere.url.replace("/webhooks", "/hooks");
      expect(res.stdout).toContain(
        `redirected (${status}) to ${to}; webhook senders do not follow redirects — point --url at ${to}.`,
      );
      expect(elsewhere.seen).toHaveLength(0); // not followed
      expect(target.seen).toHaveLength(1); // and not retried: the same URL redirects again
    },
  );

  it("--print-curl prints a command that delivers the same signed bytes", async () => {
    const listener = await startListener(["--provider", "stripe", "--secret", SECRET]);
    const printed = await run([
      "send",
      "--provider",
      "stripe",
      "--secret",
      SECRET,
      "--url",
      listener.url,
      "--event",
      "checkout.session.completed",
      "--set",
      "data.object.metadata.note=it's quoted",
      "--print-curl",
    ]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toMatch(/^curl -i -X POST '/);
    expect(listener.output.text).not.toContain("checkout.session.completed"); // printed, not sent
    const curl = await new Promise<Run>((resolve, reject) => {
      const child = spawn("sh", ["-c", printed.stdout]);
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
      child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
      child.on("error", reject);
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(curl.code, curl.stderr).toBe(0);
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 200/);
    await waitFor(() => (listener.output.text.includes("checkout.session.completed") ? true : undefined));
    expect(listener.output.text).toContain(`"note": "it's quoted"`);
  });

  it("network errors say what happened (ECONNREFUSED and where), not `TypeError: fetch failed`", async () => {
    const port = await closedPort();
    const res = await run([
      "send",
      "--provider",
      "eudr",
      "--secret",
      SECRET,
      "--url",
      `http://127.0.0.1:${port}/`,
    ]);
    expect(res.code).toBe(1);
    expect(res.stdout).toContain(
      `✗ attempt 1 → ECONNREFUSED 127.0.0.1:${port}: connection refused: is the receiver running and listening on that port?`,
    );
    // The closing line ends the question once: no "port?.".
    expect(res.stdout).toMatch(/listening on that port\?\n/);
    expect(res.stdout).not.toContain("port?.");
    expect(res.stdout + res.stderr).not.toContain("fetch failed");
  });

  it("send --file sends the file's bytes as they are; sent twice, the second is shown as a duplicate", async () => {
    const listener = await startListener(["--provider", "stripe", "--secret", SECRET]);
    const dir = mkdtempSync("/tmp/webhook-kit-cli-");
    try {
      const file = `${dir}/event.json`;
      writeFileSync(
        file,
        '{ "id": "evt_file", "object": "event", "type": "invoice.paid", "created": 1, "livemode": false, "data": { "object": {} } }',
      );
      const args = [
        "send",
        "--provider",
        "stripe",
        "--secret",
        SECRET,
        "--url",
        listener.url,
        "--file",
        file,
      ];
      const res = await run(args);
      expect(res.code).toBe(0);
      await waitFor(() => (listener.output.text.includes("invoice.paid stripe:evt_file") ? true : undefined));
      const again = await run(args);
      expect(again.code).toBe(3);
      expect(again.stdout).toContain("the same bytes are the same delivery");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("send --retry replays the platform's schedule (scaled) until a 2xx", async () => {
    let hits = 0;
    const target = await recorder(() => {
      hits += 1;
      return hits < 3 ? [500, '{"error":"internal_error"}'] : [204, ""];
    });
    const res = await run([
      "send",
      "--provider",
      "eudr",
      "--secret",
      SECRET,
      "--url",
      target.url,
      "--retry",
      "--time-scale",
      "0.01",
    ]);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/attempt 1 → 500[\s\S]*attempt 2 → 500[\s\S]*attempt 3 → 204 \(empty body\)/);
    expect(res.stdout).toContain("delivered (204): the receiver accepted it");
    expect(hits).toBe(3);
    // --retry repeats one delivery: the same bytes on every attempt.
    expect(new Set(target.seen.map((r) => r.body)).size).toBe(1);
  });
});

describe("webhook-kit send --retry: a schedule node's timers cannot wait out", () => {
  it.each([
    ["0,3000000000", "3000000000"],
    ["0,-5", "-5"],
    ["0,NaN", "NaN"],
  ])("schedule %s is a usage error (exit 2) before anything is sent", async (schedule, shown) => {
    const target = await recorder(() => [500, '{"error":"internal_error"}']);
    const res = await run(
      ["send", "--provider", "./acme-schedule.mjs", "--secret", SECRET, "--url", target.url, "--retry"],
      { cwd: FIXTURES, env: { ACME_SCHEDULE: schedule } },
    );
    expect(res.code, res.stdout + res.stderr).toBe(2);
    expect(res.stderr).toContain(`retry schedule: delay #2 is ${shown} ms`);
    expect(res.stderr).not.toContain("TimeoutOverflowWarning");
    expect(target.seen).toHaveLength(0);
  });

  it("a long delay is fine once --time-scale brings it under the limit", async () => {
    const target = await recorder(() => [204, ""]);
    const res = await run(
      [
        "send",
        "--provider",
        "./acme-schedule.mjs",
        "--secret",
        SECRET,
        "--url",
        target.url,
        "--retry",
        "--time-scale",
        "0.000001",
      ],
      { cwd: FIXTURES, env: { ACME_SCHEDULE: "0,3000000000" } },
    );
    expect(res.code, res.stdout + res.stderr).toBe(0);
  });
});

describe("webhook-kit --provider ./module.mjs", () => {
  it("listens, lists and sends with a custom provider module: its fixtures, profile and factory secret", async () => {
    const listener = await startListener(["--provider", `${FIXTURES}acme.mjs`, "--secret", SECRET]);
    const list = await run(["--list-events", "--provider", "./acme.mjs"], { cwd: FIXTURES });
    expect(list.stdout).toBe("order.paid\norder.refunded   (no example payload: send it with --file)\n");
    const res = await run(["send", "--provider", "./acme.mjs", "--secret", SECRET, "--url", listener.url], {
      cwd: FIXTURES,
    });
    expect(res.code, res.stdout + res.stderr).toBe(0);
    expect(res.stdout).toContain("→ acme order.paid, a new event");
    await waitFor(() => (listener.output.text.includes("order.paid acme:ord_") ? true : undefined));
    expect(listener.output.text).not.toContain("acme:ord_1 "); // fresh id, prefix kept
    const wrongSecret = await run(
      ["send", "--provider", "./acme.mjs", "--secret", "nope", "--url", listener.url],
      {
        cwd: FIXTURES,
      },
    );
    expect(wrongSecret.code).toBe(1);
  });

  it("says what to export when a module has no provider, and when it cannot be loaded", async () => {
    const wrong = await run(["sign", "--provider", "./not-a-provider.mjs", "--secret", "s"], {
      cwd: FIXTURES,
    });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain("error: ./not-a-provider.mjs does not export a provider.");
    expect(wrong.stderr).toContain("hint: Export default defineProvider(");
    const missing = await run(["sign", "--provider", "./missing.mjs", "--secret", "s"], { cwd: FIXTURES });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("error: Cannot load the provider module ./missing.mjs");
  });
});
