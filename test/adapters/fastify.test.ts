import { readFileSync } from "node:fs";
import { createReceiver, type ReceiverCore } from "@webhook-kit/core";
import webhookPluginDefault, { webhookPlugin } from "@webhook-kit/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { endlessUpload } from "./upload.js";

const PATH = "/webhooks/eulabel";

function setup(options: { maxBodyBytes?: number; allowedIps?: string[] } = {}) {
  const seen: string[] = [];
  const receiver = createReceiver({ provider: eulabel(), ...options });
  receiver.on("*", (event) => {
    seen.push(event.type);
  });
  return { receiver, seen };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function serve(instance: FastifyInstance): Promise<string> {
  app = instance;
  await instance.listen({ port: 0, host: "127.0.0.1" });
  const address = instance.server.address();
  return `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
}

async function post(url: string, payload: unknown = passportEvent(), contentType?: string) {
  const { body, headers } = await signedDelivery(payload);
  const sent: Record<string, string> = { ...headers };
  if (contentType === undefined) delete sent["content-type"];
  else sent["content-type"] = contentType;
  return send(url, { headers: sent, body });
}

/** An app with JSON routes registered before and after the webhook plugin, and its own parser. */
async function appWithJsonRoutes(receiver: ReceiverCore) {
  const instance = Fastify({ bodyLimit: 256 });
  instance.post("/api/before", async (request) => ({ echoed: request.body }));
  await instance.register(webhookPlugin, { receiver, path: PATH });
  instance.addContentTypeParser("application/x-custom", { parseAs: "string" }, (_req, body, done) =>
    done(null, { custom: body }),
  );
  instance.post("/api/after", async (request) => ({ echoed: request.body }));
  return instance;
}

describe("@webhook-kit/fastify", () => {
  it("keeps the app's JSON routes (before and after registration) and custom parsers parsing", async () => {
    const { receiver, seen } = setup();
    const base = await serve(await appWithJsonRoutes(receiver));
    expect((await post(`${base}${PATH}`, passportEvent(), "application/json")).status).toBe(200);
    for (const route of ["/api/before", "/api/after"]) {
      const json = await send(`${base}${route}`, {
        headers: { "content-type": "application/json" },
        body: '{"a":1}',
      });
      expect(json.json).toEqual({ echoed: { a: 1 } });
      const custom = await send(`${base}${route}`, {
        headers: { "content-type": "application/x-custom" },
        body: "hi",
      });
      expect(custom.json).toEqual({ echoed: { custom: "hi" } });
    }
    expect(seen).toEqual(["passport.published"]);
  });

  it("follows receiver.maxBodyBytes, not the app's bodyLimit, and answers core's 413 JSON past it", async () => {
    const { receiver, seen } = setup({ maxBodyBytes: 8 * 1024 });
    const base = await serve(await appWithJsonRoutes(receiver)); // app bodyLimit: 256 bytes
    const big = passportEvent("passport.published", { padding: "p".repeat(2048) });
    expect((await post(`${base}${PATH}`, big, "application/json")).status).toBe(200);
    const tooBig = await post(
      `${base}${PATH}`,
      passportEvent("passport.published", { padding: "p".repeat(9000) }),
      "application/json",
    );
    expect(tooBig.status).toBe(413);
    expect(tooBig.json.error).toBe("payload_too_large");
    expect(tooBig.json.message).toMatch(/maxBodyBytes \(8192 bytes\)/);
    // The app's own routes keep Fastify's limit and error.
    const appRoute = await send(`${base}/api/after`, {
      headers: { "content-type": "application/json" },
      body: `{"p":"${"p".repeat(300)}"}`,
    });
    expect(appRoute.json.code).toBe("FST_ERR_CTP_BODY_TOO_LARGE");
    expect(seen).toEqual(["passport.published"]);
  });

  it("lets a POST with no content type, text/plain or any other type reach core", async () => {
    const { receiver, seen } = setup();
    const base = await serve(await appWithJsonRoutes(receiver));
    expect((await post(`${base}${PATH}`, passportEvent(), undefined)).status).toBe(200);
    expect((await post(`${base}${PATH}`, passportEvent(), "text/plain")).status).toBe(200);
    expect((await post(`${base}${PATH}`, passportEvent(), "application/octet-stream")).status).toBe(200);
    const unsigned = await send(`${base}${PATH}`, { headers: { "content-type": "text/plain" }, body: "{}" });
    expect(unsigned.json.error).toBe("missing_signature");
    expect(seen).toHaveLength(3);
  });

  it("answers core's 405 (Allow: POST) for other methods on its path, and leaves other paths to the app", async () => {
    const { receiver, seen } = setup();
    const base = await serve(await appWithJsonRoutes(receiver));
    for (const method of ["GET", "PUT", "DELETE"]) {
      const res = await send(`${base}${PATH}`, { method });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("POST");
      expect(res.json.error).toBe("method_not_allowed");
    }
    const other = { headers: { "content-type": "application/json" }, body: "{}" };
    expect((await send(`${base}/webhooks/other`, other)).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it("refuses a chunked upload as soon as it passes maxBodyBytes (413 while the client is still sending)", async () => {
    const { receiver, seen } = setup({ maxBodyBytes: 16 * 1024 });
    const instance = Fastify();
    await instance.register(webhookPlugin, { receiver, path: PATH });
    const { headers } = await signedDelivery(passportEvent());
    const res = await endlessUpload(`${await serve(instance)}${PATH}`, headers);
    expect(res.status).toBe(413);
    expect(res.body.error).toBe("payload_too_large");
    expect(seen).toEqual([]);
  });

  it("registers twice (two providers), under a prefix, and as the default export", async () => {
    const a = setup();
    const b = setup();
    const instance = Fastify();
    await instance.register(webhookPlugin, { receiver: a.receiver, path: "/a" });
    await instance.register(
      async (scope) => {
        await scope.register(webhookPluginDefault, { receiver: b.receiver, path: "/b" });
      },
      { prefix: "/hooks" },
    );
    const base = await serve(instance);
    expect((await post(`${base}/a`, passportEvent(), "application/json")).status).toBe(200);
    expect(
      (await post(`${base}/hooks/b`, passportEvent("passport.enriched"), "application/json")).status,
    ).toBe(200);
    expect((await post(`${base}/b`, passportEvent(), "application/json")).status).toBe(404);
    expect([a.seen, b.seen]).toEqual([["passport.published"], ["passport.enriched"]]);
  });

  it("sees the client address as request.ip: X-Forwarded-For only with trustProxy", async () => {
    for (const trustProxy of [false, true]) {
      const { receiver } = setup({ allowedIps: ["198.51.100.0/24"] });
      const instance = Fastify({ trustProxy });
      await instance.register(webhookPlugin, { receiver, path: PATH });
      const url = `${await serve(instance)}${PATH}`;
      const { body, headers } = await signedDelivery(passportEvent());
      const res = await send(url, { headers: { ...headers, "x-forwarded-for": "198.51.100.7" }, body });
      expect(res.status).toBe(trustProxy ? 200 : 403);
      await instance.close();
    }
  });

  it("fails registration with a clear message without a receiver or path", async () => {
    const instance = Fastify();
    // @ts-expect-error: path is required
    instance.register(webhookPlugin, { receiver: setup().receiver });
    await expect(instance.ready()).rejects.toThrow(/\{ receiver, path \}/);
  });
});

/**
 * Behind a reverse proxy on this host: the proxy (the test client, on 127.0.0.1) appends the address it
 * saw to whatever X-Forwarded-For the client wrote. `from: "127.0.0.2"` is a client that reaches the app
 * directly, around the proxy. Allowed: 198.51.100.0/24.
 */
async function throughProxy(trustProxy: unknown, forwardedFor: string, from = "127.0.0.1") {
  const { receiver, seen } = setup({ allowedIps: ["198.51.100.0/24"] });
  // Fastify 5's types no longer admit a number; it is passed anyway to pin what the runtime does with one.
  const instance = Fastify({ trustProxy: trustProxy as boolean });
  await instance.register(webhookPlugin, { receiver, path: PATH });
  const url = `${await serve(instance)}${PATH}`;
  const { body, headers } = await signedDelivery(passportEvent());
  const res = await send(url, {
    headers: { ...headers, "x-forwarded-for": forwardedFor },
    body,
    localAddress: from,
  });
  await instance.close();
  app = undefined;
  return { status: res.status, ran: seen.length };
}

describe("Fastify 5 trustProxy, as it really behaves (the advice in SECURITY.md)", () => {
  it("a numeric hop count never trusts X-Forwarded-For on Fastify 5: every proxied delivery is refused", async () => {
    for (const hops of [1, 2])
      expect(await throughProxy(hops, "198.51.100.7")).toEqual({ status: 403, ran: 0 });
  });

  it('the proxies\' addresses ("loopback", a CIDR, a list) give the right-most untrusted entry', async () => {
    for (const trustProxy of ["loopback", "127.0.0.1", "127.0.0.0/8", ["127.0.0.1"]]) {
      expect(await throughProxy(trustProxy, "198.51.100.7")).toEqual({ status: 200, ran: 1 });
      // A client that writes an allowed address itself is still seen as the address the proxy appended.
      expect(await throughProxy(trustProxy, "198.51.100.7, 203.0.113.9")).toEqual({ status: 403, ran: 0 });
    }
  });

  it("hop-count trust believes whoever connects directly; trusting the proxy's address does not", async () => {
    const oneHop = (_address: string, hop: number) => hop < 1;
    expect(await throughProxy(oneHop, "198.51.100.7")).toEqual({ status: 200, ran: 1 });
    // A client that reaches the app around the proxy writes an allowed address and is believed …
    expect(await throughProxy(oneHop, "198.51.100.7", "127.0.0.2")).toEqual({ status: 200, ran: 1 });
    // … unless only the proxy's own address is trusted.
    expect(await throughProxy("127.0.0.1", "198.51.100.7", "127.0.0.2")).toEqual({ status: 403, ran: 0 });
  });

  it("trustProxy: true believes the left-most entry, which the client writes: a spoof passes", async () => {
    expect(await throughProxy(true, "198.51.100.7, 203.0.113.9")).toEqual({ status: 200, ran: 1 });
  });

  it("the first trustProxy value SECURITY.md gives for Fastify admits a client through a proxy on this host", async () => {
    const security = readFileSync(new URL("../../SECURITY.md", import.meta.url), "utf8");
    const row = security.split("\n").find((line) => line.startsWith("| Fastify "));
    const advised = row?.match(/`trustProxy: ([^`]+)`/)?.[1];
    expect(advised, "SECURITY.md names a trustProxy value for Fastify").toBeDefined();
    const value: unknown = JSON.parse(advised!);
    expect(await throughProxy(value, "198.51.100.7")).toEqual({ status: 200, ran: 1 });
    expect(await throughProxy(value, "198.51.100.7, 203.0.113.9")).toEqual({ status: 403, ran: 0 });
  });
});
