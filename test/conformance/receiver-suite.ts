import { createReceiver, type IdempotencyStore, MemoryStore, type ReceiverOptions } from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import type { AdapterUnderTest, RunningAdapter } from "./adapter.js";

type EulabelEvents = ReturnType<typeof eulabel> extends { events: infer E } ? E : never;
type Options = Partial<ReceiverOptions<EulabelEvents & Record<string, never>>>;

const PATH = "/webhooks/eulabel";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A store whose every call fails, as an unreachable Redis would. */
const brokenStore: IdempotencyStore = {
  claim: () => Promise.reject(new Error("ECONNREFUSED")),
  complete: () => Promise.reject(new Error("ECONNREFUSED")),
  release: () => Promise.reject(new Error("ECONNREFUSED")),
  renew: () => Promise.reject(new Error("ECONNREFUSED")),
};

/**
 * Every row of the contract table (../shared/spec/receiver.md), driven over real HTTP through one adapter.
 */
export function describeReceiverConformance(adapter: AdapterUnderTest): void {
  describe(`receiver contract via ${adapter.name}`, () => {
    let running: RunningAdapter | undefined;
    afterEach(async () => {
      await running?.close();
      running = undefined;
    });

    /** Starts the adapter with a fresh receiver; `calls` records every handler run by event id. */
    async function start(options: Options = {}, handler?: (type: string) => unknown) {
      const calls: string[] = [];
      const receiver = createReceiver({ provider: eulabel(), ...(options as object) });
      receiver.on("*", async (event) => {
        calls.push(`${event.type}@${(event.payload as { timestamp?: string }).timestamp}`);
        await handler?.(event.type);
      });
      running = await adapter.start(receiver, PATH);
      return { receiver, calls, url: running.url };
    }

    async function post(url: string, payload: unknown, secret = SECRET) {
      const { body, headers } = await signedDelivery(payload, secret);
      return send(url, { headers, body });
    }

    it("405 method_not_allowed with Allow: POST for a GET", async () => {
      const { url, calls } = await start();
      const res = await send(url, { method: "GET" });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("POST");
      expect(res.json.error).toBe("method_not_allowed");
      expect(calls).toEqual([]);
    });

    it("403 ip_not_allowed outside the allow-list, 200 inside it", async () => {
      const denied = await start({ allowedIps: ["10.0.0.0/8", "2001:db8::/32"] });
      const res = await post(denied.url, passportEvent());
      expect(res.status).toBe(403);
      expect(res.json.error).toBe("ip_not_allowed");
      expect(denied.calls).toEqual([]);
      await running?.close();
      const allowed = await start({ allowedIps: ["127.0.0.0/8", "::1/128"] });
      expect((await post(allowed.url, passportEvent())).status).toBe(200);
    });

    it("413 payload_too_large for a declared length over maxBodyBytes", async () => {
      const { url, calls } = await start({ maxBodyBytes: 1024 });
      const res = await post(url, passportEvent("passport.published", { padding: "x".repeat(4096) }));
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("payload_too_large");
      expect(calls).toEqual([]);
    });

    it("413 payload_too_large for a chunked body that passes the limit while streaming", async () => {
      const { url, calls } = await start({ maxBodyBytes: 1024 });
      const { body, headers } = await signedDelivery(
        passportEvent("passport.published", { padding: "y".repeat(64 * 1024) }),
      );
      const res = await send(url, { headers, body, chunked: true });
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("payload_too_large");
      expect(calls).toEqual([]);
    });

    it("401 missing_signature without the header", async () => {
      const { url, calls } = await start();
      const res = await send(url, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(passportEvent()),
      });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe("missing_signature");
      expect(calls).toEqual([]);
    });

    it("401 invalid_signature for a wrong secret, a garbled value, or altered bytes", async () => {
      const { url, calls } = await start();
      expect((await post(url, passportEvent(), "another-secret")).json.error).toBe("invalid_signature");
      const garbled = await send(url, {
        headers: { "content-type": "application/json", "x-eulabel-signature": "sha256=zz-not-hex" },
        body: JSON.stringify(passportEvent()),
      });
      expect(garbled.status).toBe(401);
      expect(garbled.json.error).toBe("invalid_signature");
      const { body, headers } = await signedDelivery(passportEvent());
      const altered = Buffer.from(body);
      altered[altered.length - 2] = 0x20; // one byte changed: whitespace inside the JSON
      const res = await send(url, { headers, body: altered });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(SECRET);
      expect(calls).toEqual([]);
    });

    it("400 invalid_payload for signed bytes that are not JSON, and for a schema violation with field paths", async () => {
      const { url, calls } = await start();
      const notJson = await post(url, "{not json");
      expect(notJson.status).toBe(400);
      expect(notJson.json.error).toBe("invalid_payload");
      const bad = passportEvent("passport.published");
      (bad.compliance as Record<string, unknown>).completeness = "full";
      const res = await post(url, bad);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe("invalid_payload");
      expect(res.json.issues).toEqual([expect.objectContaining({ path: "compliance.completeness" })]);
      expect(res.text).not.toContain("ps_w9x2kf");
      expect(calls).toEqual([]);
    });

    it("200 and one handler run for a valid delivery; the retry is a duplicate", async () => {
      const { url, calls } = await start();
      const event = passportEvent("passport.enriched");
      const first = await post(url, event);
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ received: true });
      const retry = await post(url, event);
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual({ received: true, duplicate: true });
      expect(calls).toEqual([`passport.enriched@${event.timestamp}`]);
    });

    it("keeps two events about one passport apart (the payload id names the passport)", async () => {
      const { url, calls } = await start();
      await post(url, passportEvent("passport.draft_created"));
      await post(url, passportEvent("passport.enriched"));
      await post(url, passportEvent("passport.published"));
      expect(calls).toHaveLength(3);
    });

    it("409 in_progress with Retry-After for a concurrent copy; the handler runs once", async () => {
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const { url, calls } = await start({}, () => gate);
      const event = passportEvent();
      const first = post(url, event);
      await sleep(100);
      const copy = await post(url, event);
      expect(copy.status).toBe(409);
      expect(copy.json.error).toBe("in_progress");
      expect(Number(copy.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      release();
      expect((await first).status).toBe(200);
      expect(calls).toHaveLength(1);
    });

    it("2xx for an event type with no handler", async () => {
      const receiver = createReceiver({ provider: eulabel() });
      let ran = false;
      receiver.on("passport.deleted", () => {
        ran = true;
      });
      running = await adapter.start(receiver, PATH);
      const res = await post(running.url, passportEvent("passport.unknown_future_event"));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ received: true, handled: false });
      expect(ran).toBe(false);
    });

    it("500 handler_failed when a handler throws; the claim is released so the retry runs again", async () => {
      let fail = true;
      const { url, calls } = await start({}, () => {
        if (fail) throw new Error(`database down, secret=${SECRET}`);
      });
      const event = passportEvent();
      const res = await post(url, event);
      expect(res.status).toBe(500);
      expect(res.json.error).toBe("handler_failed");
      expect(res.text).not.toContain(SECRET);
      fail = false;
      expect((await post(url, event)).status).toBe(200);
      expect(calls).toHaveLength(2);
    });

    it("202 at ackDeadlineMs while handlers run on; they complete and the retry is a duplicate", async () => {
      const { url, calls, receiver } = await start({ ackDeadlineMs: 100 }, () => sleep(400));
      const event = passportEvent();
      const res = await post(url, event);
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ received: true, status: "processing" });
      await receiver.idle();
      expect((await post(url, event)).json).toEqual({ received: true, duplicate: true });
      expect(calls).toHaveLength(1);
    });

    it('ack: "immediate" answers 202 once claimed and runs handlers in the background', async () => {
      const { url, calls, receiver } = await start({ ack: "immediate" }, () => sleep(50));
      const res = await post(url, passportEvent());
      expect(res.status).toBe(202);
      await receiver.idle();
      expect(calls).toHaveLength(1);
    });

    it("503 store_unavailable with Retry-After when the store is unreachable; no handler runs", async () => {
      const { url, calls } = await start({ store: brokenStore });
      const res = await post(url, passportEvent());
      expect(res.status).toBe(503);
      expect(res.json.error).toBe("store_unavailable");
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(calls).toEqual([]);
    });

    it("accepts any of several secrets (rotation)", async () => {
      const receiver = createReceiver({
        provider: eulabel(["new-secret", SECRET]),
        store: new MemoryStore(),
      });
      receiver.on("passport.published", () => {});
      running = await adapter.start(receiver, PATH);
      expect((await post(running.url, passportEvent(), SECRET)).status).toBe(200);
      expect((await post(running.url, passportEvent(), "new-secret")).status).toBe(200);
      expect((await post(running.url, passportEvent(), "old-secret")).status).toBe(401);
    });
  });
}
