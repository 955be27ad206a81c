import { fileURLToPath } from "node:url";
import {
  describeAdapterRows,
  describeReceiverConformance,
  remoteTarget as remote,
} from "@webhook-kit/testing/conformance";
import { describe, expect, it } from "vitest";
import { passportEvent, SECRET, signedDelivery } from "./support/deliveries.js";
import { send } from "./support/http.js";
import { useNextApp } from "./support/next-server.js";

// SLOW (one `next build` of test/fixtures/next-app, skipped while its inputs are unchanged, then one
// `next start`): the receiver conformance rows against real Next.js, App Router on the Node.js and Edge
// runtimes and Pages Router, with the scenarios built inside Next from
// packages/testing/src/conformance/scenarios.ts.

const APP = fileURLToPath(new URL("./fixtures/next-app", import.meta.url));
const next = useNextApp(APP, {
  env: { CONFORMANCE_SECRET: SECRET },
  readyPath: "/conformance/plain/ready",
  alsoHash: ["packages/testing/src/conformance/scenarios.ts"],
});

// Measured: under `next start`, the Edge runtime receives the body only after Next has read all of it.
// The adapter rows that need the route in this process (a middleware before it, the connection) run on
// webhookApiRoute in conformance.test.ts; the rest (content types, methods, order) run here too.
for (const target of [
  remote("next start, App Router (Node.js runtime)", next.base, "/conformance"),
  remote("next start, App Router (Edge runtime)", next.base, "/edge", { buffersBody: true }),
  remote("next start, Pages Router (bodyParser: false)", next.base, "/api/conformance"),
]) {
  describeReceiverConformance(target);
  describeAdapterRows(target);
}

describe("Next.js specifics, on next start", () => {
  const instance = () => Math.random().toString(16).slice(2);

  async function post(url: string, extraHeaders: Record<string, string> = {}) {
    const { body, headers } = await signedDelivery(passportEvent());
    return send(url, { headers: { ...headers, ...extraHeaders }, body });
  }

  it("App Router: the remoteAddress option (last X-Forwarded-For entry) drives the allow-list", async () => {
    const url = `${next.base()}/conformance/allow-doc-range/${instance()}`;
    expect((await post(url, { "x-forwarded-for": "203.0.113.9, 198.51.100.7" })).status).toBe(200);
    const outside = await post(url, { "x-forwarded-for": "198.51.100.7, 203.0.113.9" });
    expect(outside.status).toBe(403);
    expect(outside.json.error).toBe("ip_not_allowed");
  });

  it("App Router without the remoteAddress option: an allow-list refuses every delivery (fails closed)", async () => {
    const blind = await post(`${next.base()}/blind/allow-doc-range/${instance()}`, {
      "x-forwarded-for": "198.51.100.7",
    });
    expect(blind.status).toBe(403);
    expect(blind.json.message).toMatch(/\(unknown\)/);
  });

  it("Pages Router with the body parser left on: 500 body_already_consumed saying how to fix it, never waiting on the stream", async () => {
    // bodyTimeoutMs of 10 minutes: a receiver that waited on the consumed stream would never answer here.
    const url = `${next.base()}/api/parsed/patient/${instance()}`;
    const res = await post(url);
    expect(res.status).toBe(500);
    expect(res.json.error).toBe("body_already_consumed");
    expect(res.json.message).toContain("export const config = { api: { bodyParser: false } }");
    const calls = await send(url, { headers: { "x-conformance-control": "calls" } });
    expect(calls.json.calls).toEqual([]);
  });

  it("App Router: methods the route does not export get Next's own 405", async () => {
    expect((await send(`${next.base()}/blind/plain/${instance()}`, { method: "GET" })).status).toBe(405);
  });
});
