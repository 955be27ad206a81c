import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { passportEvent } from "./support/deliveries.js";
import { type HttpResult, send } from "./support/http.js";
import { useNextApp } from "./support/next-server.js";

// SLOW (about half a minute): examples/next-eulabel is built with `next build` against the built dist of
// @webhook-kit/core and @webhook-kit/next (skipped while its inputs are unchanged), started with
// `next start`, and sent real signed deliveries.

const APP = fileURLToPath(new URL("../examples/next-eulabel", import.meta.url));
const SECRET = "next-e2e-secret";

async function deliver(url: string, body: string, secret = SECRET, extra: { chunked?: boolean } = {}) {
  const signed = await sign(providers.eulabel({ secret }), body);
  return send(url, {
    headers: { "content-type": "application/json", ...signed.headers },
    body: signed.body,
    ...extra,
  });
}

describe("Next.js example (next build + next start)", () => {
  // No EULABEL_SECRET at build time: the routes create their receiver on the first request.
  const next = useNextApp(APP, {
    env: { EULABEL_SECRET: SECRET },
    readyPath: "/api/legacy/webhooks/eulabel",
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
    await expectHandledOnce(`${next.base()}/api/webhooks/eulabel`);
    expect(next.logs()).toMatch(/passport ps_w9x2kf published, 100% complete/);
  });

  it("App Router readiness route: GET /api/ready is 200 with the health report, not cached", async () => {
    const ready = await send(`${next.base()}/api/ready`, { method: "GET" });
    expect(ready.status, ready.text).toBe(200);
    expect(ready.headers["cache-control"]).toContain("no-store");
    expect(ready.json).toMatchObject({ ok: true, checks: { store: { ok: true } } });
    expect(ready.text).not.toContain(SECRET);
  });

  it("App Router, Edge runtime: verifies with Web Crypto, dedupes, refuses forgeries", async () => {
    await expectHandledOnce(`${next.base()}/api/edge/webhooks/eulabel`);
  });

  it("Pages Router with bodyParser: false: verifies, dedupes, refuses forgeries; GET gets the JSON 405", async () => {
    await expectHandledOnce(`${next.base()}/api/legacy/webhooks/eulabel`);
    const get = await send(`${next.base()}/api/legacy/webhooks/eulabel`, { method: "GET" });
    expect(get.headers.allow).toBe("POST");
    expect(get.json.error).toBe("method_not_allowed");
  });

  it("Pages Router with the body parser left on: 500 body_already_consumed at once, saying how to fix it", async () => {
    const res = await deliver(`${next.base()}/api/legacy/parser-left-on`, JSON.stringify(passportEvent()));
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
      const res = await deliver(`${next.base()}${route}`, big, SECRET, { chunked: true });
      expect(res.status, route).toBe(413);
      expect(res.json.error, route).toBe("payload_too_large");
    }
  });

  it("App Router: methods the route does not export get Next's own 405", async () => {
    expect((await send(`${next.base()}/api/webhooks/eulabel`, { method: "GET" })).status).toBe(405);
  });
});
