import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { providers, sign } from "@webhook-kit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { passportEvent } from "./support/deliveries.js";
import { type HttpResult, send } from "./support/http.js";

// SLOW (about half a minute): examples/next-eulabel is built with `next build` against the built dist of
// @webhook-kit/core and @webhook-kit/next, started with `next start`, and sent real signed deliveries.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const APP = path.join(ROOT, "examples/next-eulabel");
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/next/dist/index.js"];
const NEXT_BIN = createRequire(path.join(APP, "package.json")).resolve("next/dist/bin/next");
const SECRET = "next-e2e-secret";
const ENV: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on("error", reject);
  });

async function deliver(url: string, body: string, secret = SECRET, extra: { chunked?: boolean } = {}) {
  const signed = await sign(providers.eulabel({ secret }), body);
  return send(url, {
    headers: { "content-type": "application/json", ...signed.headers },
    body: signed.body,
    ...extra,
  });
}

describe("Next.js example (next build + next start)", () => {
  let server: ChildProcess | undefined;
  let base = "";
  let logs = "";

  beforeAll(async () => {
    const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
    if (missing.length > 0) {
      throw new Error(
        `The Next.js e2e test uses the built packages; missing ${missing.join(", ")}. Run \`pnpm build\`.`,
      );
    }
    // No EULABEL_SECRET at build time: the routes create their receiver on the first request.
    const buildEnv = { ...ENV };
    delete buildEnv.EULABEL_SECRET;
    await promisify(execFile)(process.execPath, [NEXT_BIN, "build"], {
      cwd: APP,
      env: buildEnv,
      maxBuffer: 16 * 1024 * 1024,
    }).catch((error: { stdout?: string; stderr?: string }) => {
      throw new Error(`next build failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
    });
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [NEXT_BIN, "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: APP,
      env: { ...ENV, EULABEL_SECRET: SECRET },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    server.stderr?.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}):\n${logs}`);
      const ready = await send(`${base}/api/legacy/webhooks/eulabel`, { method: "GET" }).catch(
        () => undefined,
      );
      if (ready?.status === 405) break;
      if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${logs}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 240_000);

  afterAll(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  });

  const expectHandledOnce = async (url: string) => {
    const body = JSON.stringify(passportEvent(), null, 2); // indentation a re-serialiser would drop
    const first = await deliver(url, body);
    expect(first.status, first.text).toBe(200);
    expect(first.json).toEqual({ received: true });
    expect((await deliver(url, body)).json).toEqual({ received: true, duplicate: true });
    const forged: HttpResult = await deliver(url, JSON.stringify(passportEvent()), "not-the-secret");
    expect(forged.status).toBe(401);
    expect(forged.json.error).toBe("invalid_signature");
  };

  it("App Router, Node.js runtime: verifies, dedupes, refuses forgeries", async () => {
    await expectHandledOnce(`${base}/api/webhooks/eulabel`);
    expect(logs).toMatch(/passport ps_w9x2kf published, 100% complete/);
  });

  it("App Router, Edge runtime: verifies with Web Crypto, dedupes, refuses forgeries", async () => {
    await expectHandledOnce(`${base}/api/edge/webhooks/eulabel`);
  });

  it("Pages Router with bodyParser: false: verifies, dedupes, refuses forgeries; GET gets the JSON 405", async () => {
    await expectHandledOnce(`${base}/api/legacy/webhooks/eulabel`);
    const get = await send(`${base}/api/legacy/webhooks/eulabel`, { method: "GET" });
    expect(get.headers.allow).toBe("POST");
    expect(get.json.error).toBe("method_not_allowed");
  });

  it("Pages Router with the body parser left on: 500 body_already_consumed at once, saying how to fix it", async () => {
    const res = await deliver(`${base}/api/legacy/parser-left-on`, JSON.stringify(passportEvent()));
    expect(res.status).toBe(500);
    expect(res.json.error).toBe("body_already_consumed");
    expect(res.json.message).toContain("bodyParser: false");
  });

  it("413 payload_too_large for a chunked body over 1 MiB, on each runtime", async () => {
    const big = JSON.stringify(passportEvent("passport.published", { padding: "x".repeat(1_200_000) }));
    for (const route of [
      "/api/webhooks/eulabel",
      "/api/edge/webhooks/eulabel",
      "/api/legacy/webhooks/eulabel",
    ]) {
      const res = await deliver(`${base}${route}`, big, SECRET, { chunked: true });
      expect(res.status, route).toBe(413);
      expect(res.json.error, route).toBe("payload_too_large");
    }
  });

  it("App Router: methods the route does not export get Next's own 405", async () => {
    expect((await send(`${base}/api/webhooks/eulabel`, { method: "GET" })).status).toBe(405);
  });
});
