import http from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { passportEvent, SECRET, signedDelivery } from "./deliveries.js";
import { floodUntilAnswered } from "./flood.js";
import { send } from "./http.js";
import type { ScenarioName } from "./scenarios.js";
import type { ConformanceTarget, ScenarioTarget } from "./targets.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Declares a body, sends its first byte, then nothing: resolves with the server's answer. */
function stalledUpload(url: string, headers: Record<string, string>) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { ...headers, "content-length": "500" }, agent: false },
      (res) => {
        let body = "";
        res.on("data", (chunk: Buffer) => {
          body += chunk.toString();
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      },
    );
    req.on("error", reject);
    req.write("{"); // and never the rest
  });
}

/**
 * Every row of the receiver contract's table (docs/receiving.md, "What each request gets"), driven over real HTTP
 * through one target: an adapter in this process (`inProcessTarget`, or `describeAdapterConformance`), or a
 * server in another process whose routes serve the same scenarios (`remoteTarget` + `scenarioRegistry`).
 *
 * @example
 * describeReceiverConformance(remoteTarget("my-framework dev server", () => baseUrl, "/conformance"));
 */
export function describeReceiverConformance(target: ConformanceTarget): void {
  describe(`receiver contract via ${target.name}`, () => {
    const opened: ScenarioTarget[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    async function open(scenario: ScenarioName = "plain") {
      const served = await target.open(scenario);
      opened.push(served);
      return served;
    }

    async function post(url: string, payload: unknown, secret = SECRET) {
      const { body, headers } = await signedDelivery(payload, secret);
      return send(url, { headers, body });
    }

    it("405 method_not_allowed with Allow: POST for a GET", async () => {
      const s = await open();
      const res = await send(s.url, { method: "GET" });
      expect(res.status).toBe(405);
      expect(res.headers.allow).toBe("POST");
      expect(res.json.error).toBe("method_not_allowed");
      expect(await s.calls()).toEqual([]);
    });

    it("403 ip_not_allowed outside the allow-list, 200 inside it", async () => {
      const denied = await open("allow-denied");
      const res = await post(denied.url, passportEvent());
      expect(res.status).toBe(403);
      expect(res.json.error).toBe("ip_not_allowed");
      expect(await denied.calls()).toEqual([]);
      const allowed = await open("allow-loopback");
      expect((await post(allowed.url, passportEvent())).status).toBe(200);
    });

    it("413 payload_too_large for a declared length over maxBodyBytes", async () => {
      const s = await open("small-limit");
      const res = await post(s.url, passportEvent("passport.published", { padding: "x".repeat(4096) }));
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("payload_too_large");
      expect(await s.calls()).toEqual([]);
    });

    it("413 payload_too_large for a chunked body that passes the limit", async () => {
      const s = await open("small-limit");
      const { body, headers } = await signedDelivery(
        passportEvent("passport.published", { padding: "y".repeat(64 * 1024) }),
      );
      const res = await send(s.url, { headers, body, chunked: true });
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("payload_too_large");
      expect(await s.calls()).toEqual([]);
    });

    if (!target.buffersBody) {
      it("413 payload_too_large while a chunked upload is still streaming: the body is never read to its end", async () => {
        const s = await open("small-limit");
        const { headers } = await signedDelivery(passportEvent());
        // Up to 16 MiB, then the upload ends: a receiver that reads everything first answers only after that.
        const res = await floodUntilAnswered(s.url, headers);
        expect(res.status).toBe(413);
        expect(res.json.error).toBe("payload_too_large");
        expect(res.answeredWhileStreaming, `answered only after all ${res.sent} bytes were sent`).toBe(true);
        expect(await s.calls()).toEqual([]);
      });

      it("408 body_timeout for a body that stalls after its first byte; nothing runs", async () => {
        const s = await open("short-body-timeout");
        const { headers } = await signedDelivery(passportEvent());
        const answer = await stalledUpload(s.url, headers);
        expect(answer.status).toBe(408);
        expect(JSON.parse(answer.body).error).toBe("body_timeout");
        expect(await s.calls()).toEqual([]);
      });
    } else {
      it("the platform buffers the whole body before the route runs: 413 only once the upload has ended", async () => {
        const s = await open("small-limit");
        const { headers } = await signedDelivery(passportEvent());
        const res = await floodUntilAnswered(s.url, headers, { capBytes: 4 * 1024 * 1024 });
        expect(res.status).toBe(413);
        expect(res.json.error).toBe("payload_too_large");
        // If this fails, the platform now streams: drop `buffersBody` and the streaming rows apply.
        expect(res.answeredWhileStreaming).toBe(false);
        expect(await s.calls()).toEqual([]);
      });
    }

    it("401 missing_signature without the header", async () => {
      const s = await open();
      const res = await send(s.url, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify(passportEvent()),
      });
      expect(res.status).toBe(401);
      expect(res.json.error).toBe("missing_signature");
      expect(await s.calls()).toEqual([]);
    });

    it("401 invalid_signature for a wrong secret, a garbled value, or altered bytes", async () => {
      const s = await open();
      expect((await post(s.url, passportEvent(), "another-secret")).json.error).toBe("invalid_signature");
      const garbled = await send(s.url, {
        headers: { "content-type": "application/json", "x-eulabel-signature": "sha256=zz-not-hex" },
        body: JSON.stringify(passportEvent()),
      });
      expect(garbled.status).toBe(401);
      expect(garbled.json.error).toBe("invalid_signature");
      const { body, headers } = await signedDelivery(passportEvent());
      const altered = Buffer.from(body);
      altered[altered.length - 2] = 0x20; // one byte changed: whitespace inside the JSON
      const res = await send(s.url, { headers, body: altered });
      expect(res.status).toBe(401);
      expect(res.text).not.toContain(SECRET);
      expect(await s.calls()).toEqual([]);
    });

    it("400 invalid_payload for signed bytes that are not JSON, and for a schema violation with field paths", async () => {
      const s = await open();
      const notJson = await post(s.url, "{not json");
      expect(notJson.status).toBe(400);
      expect(notJson.json.error).toBe("invalid_payload");
      const bad = passportEvent("passport.published");
      (bad.compliance as Record<string, unknown>).completeness = "full";
      const res = await post(s.url, bad);
      expect(res.status).toBe(400);
      expect(res.json.error).toBe("invalid_payload");
      expect(res.json.issues).toEqual([expect.objectContaining({ path: "compliance.completeness" })]);
      expect(res.text).not.toContain("ps_w9x2kf");
      expect(await s.calls()).toEqual([]);
    });

    it("200 and one handler run for a valid delivery; the retry is a duplicate", async () => {
      const s = await open();
      const event = passportEvent("passport.enriched");
      const first = await post(s.url, event);
      expect(first.status).toBe(200);
      expect(first.json).toEqual({ received: true });
      const retry = await post(s.url, event);
      expect(retry.status).toBe(200);
      expect(retry.json).toEqual({ received: true, duplicate: true });
      expect(await s.calls()).toEqual([`passport.enriched@${event.timestamp}`]);
    });

    it("verifies the bytes as sent: pretty-printed JSON with \\u escapes and non-ASCII text (an adapter that re-serialises fails here)", async () => {
      const s = await open();
      const event = passportEvent("passport.enriched", {
        note: "Ch\u00e2teau Mus\u00e9e \u2014 Gr\u00fcner Veltliner \u2713",
      });
      // JSON.stringify(JSON.parse(body)) gives other bytes: no indentation, no newline, "â" for "\\u00e2".
      const body = `${JSON.stringify(event, null, 2).replace("Ch\u00e2teau", "Ch\\u00e2teau")}\n`;
      const first = await post(s.url, body);
      expect(first.status, "the adapter handed core other bytes than the sender signed").toBe(200);
      expect(await s.calls()).toEqual([`passport.enriched@${event.timestamp}`]);
    });

    it("keeps two events about one passport apart (the payload id names the passport)", async () => {
      const s = await open();
      await post(s.url, passportEvent("passport.draft_created"));
      await post(s.url, passportEvent("passport.enriched"));
      await post(s.url, passportEvent("passport.published"));
      expect(await s.calls()).toHaveLength(3);
    });

    it("409 in_progress with Retry-After for a concurrent copy; the handler runs once", async () => {
      const s = await open("gated");
      const event = passportEvent();
      const first = post(s.url, event);
      await sleep(100);
      const copy = await post(s.url, event);
      expect(copy.status).toBe(409);
      expect(copy.json.error).toBe("in_progress");
      expect(Number(copy.headers["retry-after"])).toBeGreaterThanOrEqual(1);
      await s.release();
      expect((await first).status).toBe(200);
      expect(await s.calls()).toHaveLength(1);
    });

    it("2xx for an event type with no handler", async () => {
      const s = await open("unhandled");
      const res = await post(s.url, passportEvent("passport.unknown_future_event"));
      expect(res.status).toBe(200);
      expect(res.json).toEqual({ received: true, handled: false });
      expect(await s.calls()).toEqual([]);
    });

    it("500 handler_failed when a handler throws; the claim is released so the retry runs again", async () => {
      const s = await open("failing");
      const event = passportEvent();
      const res = await post(s.url, event);
      expect(res.status).toBe(500);
      expect(res.json.error).toBe("handler_failed");
      expect(res.text).not.toContain(SECRET);
      await s.succeed();
      expect((await post(s.url, event)).status).toBe(200);
      expect(await s.calls()).toHaveLength(2);
    });

    it("202 at ackDeadlineMs while handlers run on; they complete and the retry is a duplicate", async () => {
      const s = await open("slow-ack");
      const event = passportEvent();
      const res = await post(s.url, event);
      expect(res.status).toBe(202);
      expect(res.json).toEqual({ received: true, status: "processing" });
      await s.idle();
      expect((await post(s.url, event)).json).toEqual({ received: true, duplicate: true });
      expect(await s.calls()).toHaveLength(1);
    });

    it('ack: "immediate" answers 202 once claimed and runs handlers in the background', async () => {
      const s = await open("immediate");
      const res = await post(s.url, passportEvent());
      expect(res.status).toBe(202);
      await s.idle();
      expect(await s.calls()).toHaveLength(1);
    });

    it("503 store_unavailable with Retry-After when the store is unreachable; no handler runs", async () => {
      const s = await open("broken-store");
      const res = await post(s.url, passportEvent());
      expect(res.status).toBe(503);
      expect(res.json.error).toBe("store_unavailable");
      expect(Number(res.headers["retry-after"])).toBeGreaterThan(0);
      expect(await s.calls()).toEqual([]);
    });

    it("accepts any of several secrets (rotation)", async () => {
      const s = await open("rotation");
      expect((await post(s.url, passportEvent(), SECRET)).status).toBe(200);
      expect((await post(s.url, passportEvent(), "new-secret")).status).toBe(200);
      expect((await post(s.url, passportEvent(), "old-secret")).status).toBe(401);
    });
  });
}
