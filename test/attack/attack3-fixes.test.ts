import { spawn } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import {
  createReceiver,
  defineProvider,
  hmacSignature,
  type IdempotencyStore,
  MemoryQueue,
  MemoryStore,
  sign,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { eulabel, passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";

// Found by a third attack pass (packed tarballs) on the last #12 fixes; each row failed before its fix.

const CLI = fileURLToPath(new URL("../../packages/testing/dist/cli.js", import.meta.url));

async function serve(handler: http.RequestListener): Promise<http.Server> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return server;
}
const portOf = (s: http.Server) => (s.address() as AddressInfo).port;

describe("attack3: Issue #12 fixes", () => {
  it("a Proxy around a MemoryStore whose claim hangs is timed by storeTimeoutMs (inProcess is read through the proxy from the target)", async () => {
    const inner = new MemoryStore();
    const store = new Proxy(inner, {
      get(target, key) {
        if (key === "claim") return () => new Promise(() => {}); // e.g. instrumentation awaiting I/O
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as IdempotencyStore;
    const receiver = createReceiver({ provider: eulabel(), store, storeTimeoutMs: 300, logger: false });
    receiver.on("*", () => {});
    const server = await serve(createNodeHandler(receiver));
    try {
      const { body, headers } = await signedDelivery(passportEvent());
      const answer = await Promise.race([
        fetch(`http://127.0.0.1:${portOf(server)}/`, {
          method: "POST",
          headers,
          body: Buffer.from(body),
        }).then((r) => r.status),
        new Promise<string>((r) => setTimeout(() => r("no answer after 3 s"), 3000)),
      ]);
      expect(answer).toBe(503);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 10_000);

  it("invalid_payload withholds a validator message that names a sender's key in backticks, «», “” or bare", async () => {
    const key = "<img src=x onerror=alert(1)>";
    const provider = defineProvider({
      name: "acme",
      signature: hmacSignature({ header: "x-sig", prefix: "sha256=", secret: "s" }),
      events: {
        "a.b": v.looseObject({
          type: v.string(),
          d: v.pipe(
            v.record(v.string(), v.any()),
            v.check(
              () => false,
              (issue) => `unknown key \`${Object.keys(issue.input as object)[0]}\``,
            ),
          ),
        }),
      },
      eventType: ({ body }) => (body as { type?: string }).type,
      idempotencyKey: ({ body }) => (body as { id?: string }).id,
    });
    const receiver = createReceiver({ provider, invalidPayload: "reject", logger: false });
    receiver.on("*", () => {});
    const server = await serve(createNodeHandler(receiver));
    try {
      const raw = JSON.stringify({ type: "a.b", id: "evt_1", d: { [key]: 1 } });
      const signed = await sign(provider, raw);
      const res = await fetch(`http://127.0.0.1:${portOf(server)}/`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signed.headers },
        body: raw,
      });
      expect(res.status).toBe(400);
      expect(await res.text()).not.toContain("<img");
    } finally {
      server.close();
    }
  });

  it("MemoryQueue takes a fractional retentionMs (rounded up to whole ms), never lru-cache's TypeError", () => {
    for (const retentionMs of [60_000.5, 1.5, 1e-9])
      expect(() => new MemoryQueue({ retentionMs })).not.toThrow();
  });

  it("listen prints the event's payload as indented JSON on several lines (not one line of literal \\x0a escapes)", async () => {
    const child = spawn(
      process.execPath,
      [
        CLI,
        "listen",
        "--provider",
        "eulabel",
        "--secret",
        SECRET,
        "--port",
        "0",
        "--host",
        "127.0.0.1",
        "--path",
        "/w",
      ],
      { env: { ...process.env, NO_COLOR: "1" } },
    );
    let stdout = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    try {
      const until = Date.now() + 5000;
      while (!/127\.0\.0\.1:\d+/.test(stdout) && Date.now() < until)
        await new Promise((r) => setTimeout(r, 25));
      const port = /127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      const { body, headers } = await signedDelivery(passportEvent());
      await fetch(`http://127.0.0.1:${port}/w`, { method: "POST", headers, body: Buffer.from(body) });
      await new Promise((r) => setTimeout(r, 300));
      expect(stdout).not.toContain("\\x0a");
      expect(stdout).toMatch(/\{\n {2}"/);
    } finally {
      child.kill();
    }
  }, 10_000);
  it("defineProvider refuses a sparse retrySchedule (a hole is no delay; sendDelivery refuses it later)", () => {
    let caught: unknown;
    try {
      defineProvider({
        name: "acme",
        signature: hmacSignature({ header: "x-sig", prefix: "sha256=", secret: "s" }),
        events: {},
        eventType: () => "a.b",
        idempotencyKey: () => "k",
        // biome-ignore lint/suspicious/noSparseArray: the hole is the point
        retrySchedule: [0, , 60_000] as unknown as number[],
      });
    } catch (e) {
      caught = e;
    }
    expect((caught as { code?: string } | undefined)?.code).toBe("invalid_config");
  });
});
