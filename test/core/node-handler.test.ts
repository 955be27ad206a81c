import http from "node:http";
import { createReceiver, defineProvider, type ReceiverCore, type WebhookRequest } from "@webhook-kit/core";
import { createNodeHandler, handleNodeRequest, writeNodeResponse } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

// What core/node hands to the receiver and answers, seen from a real node:http server: the request head
// (headers, path, client address), the 404 of a mounted path, consumed-stream detection and its message,
// and the Connection header of refusals.

const listen = listenPerTest();

/** A provider whose signature scheme accepts everything and records the requests it was shown. */
function recordingProvider() {
  const seen: WebhookRequest[] = [];
  const provider = defineProvider({
    name: "recorder",
    signature: {
      name: "accept-all",
      verify: async (request) => {
        seen.push(request);
        return { ok: true };
      },
      sign: async (input) => ({ headers: {}, body: input.body }),
    },
    events: { "*": z.unknown() },
    eventType: () => "thing.happened",
    idempotencyKey: ({ rawBody }) => String(rawBody.length) + Math.random(),
  });
  return { provider, seen };
}

describe("createNodeHandler", () => {
  it("hands the receiver the path without its query, every header (repeated ones joined) and the socket address", async () => {
    const { provider, seen } = recordingProvider();
    const receiver = createReceiver({ provider });
    receiver.on("*", () => {});
    const url = await listen(http.createServer(createNodeHandler(receiver, { path: "/hooks" })), "/hooks");
    const answer = await new Promise<string>((resolve, reject) => {
      const req = http.request(`${url}?attempt=2`, { method: "POST", agent: false });
      req.setHeader("content-type", "application/json");
      req.setHeader("x-trace", "a");
      // Two Set-Cookie lines: Node keeps them as an array on IncomingMessage (other repeats come joined).
      req.setHeader("set-cookie", ["one=1", "two=2"]);
      req.on("response", (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => resolve(`${res.statusCode} ${text}`));
      });
      req.on("error", reject);
      req.end("{}");
    });
    expect(answer).toMatch(/^200 /);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.path).toBe("/hooks");
    expect(seen[0]!.headers["set-cookie"]).toBe("one=1, two=2");
    expect(seen[0]!.headers["x-trace"]).toBe("a");
    expect(seen[0]!.remoteAddress).toMatch(/127\.0\.0\.1$/);
  });

  it("answers 404 not_found, naming no path, for any other path (also absolute-form), without calling the receiver", async () => {
    const { provider, seen } = recordingProvider();
    const url = await listen(
      http.createServer(createNodeHandler(createReceiver({ provider }), { path: "/hooks" })),
      "/elsewhere",
    );
    const res = await send(url, { body: "{}" });
    expect(res.status).toBe(404);
    // A scanner learns nothing of where webhooks are received.
    expect(res.json).toEqual({ error: "not_found", message: "Not found." });
    expect(res.text).not.toContain("/hooks");
    expect(seen).toEqual([]);
    // Without a path option every path reaches the receiver.
    const open = await listen(
      http.createServer(createNodeHandler(createReceiver({ provider }))),
      "/any/thing",
    );
    expect((await send(open, { body: "{}" })).status).toBe(200);
  });

  it("a declared length over the limit is refused with 413 and Connection: close; a 405 keeps the connection", async () => {
    const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: 1024 });
    const url = await listen(http.createServer(createNodeHandler(receiver)), "/hooks");
    const { headers } = await signedDelivery(passportEvent());
    const big = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request(url, {
        method: "POST",
        agent: false,
        headers: { ...headers, "content-length": String(10 * 1024 * 1024) },
      });
      req.on("response", resolve);
      req.on("error", reject);
      req.write("{");
    });
    big.resume();
    expect(big.statusCode).toBe(413);
    expect(big.headers.connection).toBe("close");
    expect(big.headers["content-type"]).toMatch(/^application\/json/);
    const agent = new http.Agent({ keepAlive: true });
    const get = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, { agent }, resolve).on("error", reject);
    });
    get.resume();
    agent.destroy();
    expect(get.statusCode).toBe(405);
    expect(get.headers.connection).toBe("keep-alive");
  });

  it("answers 500 with no body when the receiver itself throws (a custom ReceiverCore)", async () => {
    const broken: ReceiverCore = {
      maxBodyBytes: 1024,
      bodyTimeoutMs: 1000,
      ackDeadlineMs: 1000,
      receive: () => Promise.reject(new Error("bug")),
      handle: () => Promise.reject(new Error("bug")),
      fetch: () => Promise.reject(new Error("bug")),
      idle: async () => {},
    };
    const url = await listen(http.createServer(createNodeHandler(broken)), "/hooks");
    const res = await send(url, { body: "{}" });
    expect(res.status).toBe(500);
    expect(res.text).toBe("");
  });
});

describe("handleNodeRequest on a stream something else already read", () => {
  /** A server whose first middleware drains the body, as a JSON body parser would, then hands over. */
  async function serveAfterConsumer(mark: "body-parser flag" | "nothing", options = {}) {
    // bodyTimeoutMs of 10 minutes: waiting on the consumed stream could not end within the test.
    const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 600_000 });
    let ran = false;
    receiver.on("*", () => {
      ran = true;
    });
    const server = http.createServer(async (req, res) => {
      for await (const _ of req) {
        // drained
      }
      if (mark === "body-parser flag") (req as { _body?: boolean })._body = true;
      writeNodeResponse(res, await handleNodeRequest(receiver, req, options));
    });
    return { url: await listen(server, "/hooks"), ran: () => ran };
  }

  it.each(["body-parser flag", "nothing"] as const)(
    "answers 500 body_already_consumed with the adapter's framework and hint (stream marked: %s)",
    async (mark) => {
      const s = await serveAfterConsumer(mark, {
        framework: "FrameworkX",
        mountHint: "Mount it first in X.",
      });
      const { body, headers } = await signedDelivery(passportEvent());
      const res = await send(s.url, { headers, body });
      expect(res.status).toBe(500);
      expect(res.json.error).toBe("body_already_consumed");
      const message = String(res.json.message);
      expect(message).toContain("FrameworkX");
      expect(message).toContain("Mount it first in X.");
      expect(s.ran()).toBe(false);
    },
  );

  it("without adapter details the message still says what happened and has no trailing space", async () => {
    const s = await serveAfterConsumer("nothing");
    const { body, headers } = await signedDelivery(passportEvent());
    const res = await send(s.url, { headers, body });
    const message = String(res.json.message);
    expect(res.json.error).toBe("body_already_consumed");
    expect(message).toMatch(
      /already read before the webhook receiver saw it, and its exact bytes were not kept/,
    );
    expect(message).toMatch(/or keep the raw bytes\.$/);
  });
});

describe("receiver.fetch body edge cases", () => {
  it("a POST without a body is read as empty (401 missing_signature, not a read error)", async () => {
    const receiver = createReceiver({ provider: eulabel() });
    const res = await receiver.fetch(new Request("http://127.0.0.1/hooks", { method: "POST" }));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe("missing_signature");
  });

  it("leaves no body timer behind once the body is read", async () => {
    const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 600_000 });
    receiver.on("*", () => {});
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const { body, headers } = await signedDelivery(passportEvent());
    const before = timers();
    const res = await receiver.fetch(
      new Request("http://127.0.0.1/hooks", { method: "POST", headers, body: Buffer.from(body) }),
    );
    expect(res.status).toBe(200);
    await receiver.idle();
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe("refusals that need no body are answered without waiting for it", () => {
  /** Declares a body and sends none of it; resolves with the answer. */
  function declaredButSilent(url: string, method: string, headers: Record<string, string>) {
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(url, {
        method,
        agent: false,
        headers: { ...headers, "content-length": "500" },
      });
      req.on("response", (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c.toString();
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.on("error", reject);
      req.flushHeaders();
    });
  }

  it("405 for another method and 403 for an address outside the allow-list (bodyTimeoutMs 10 min)", async () => {
    const { headers } = await signedDelivery(passportEvent());
    const open = createReceiver({ provider: eulabel(), bodyTimeoutMs: 600_000 });
    const url = await listen(http.createServer(createNodeHandler(open)), "/hooks");
    expect((await declaredButSilent(url, "PUT", headers)).status).toBe(405);
    const guarded = createReceiver({
      provider: eulabel(),
      bodyTimeoutMs: 600_000,
      allowedIps: ["10.0.0.0/8"],
    });
    const guardedUrl = await listen(http.createServer(createNodeHandler(guarded)), "/hooks");
    const refused = await declaredButSilent(guardedUrl, "POST", headers);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text).error).toBe("ip_not_allowed");
  });
});

describe("an upload the client abandons", () => {
  it("settles handleNodeRequest with 400 body_aborted, saying what happened", async () => {
    const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 600_000 });
    let settled: (value: { status: number; body: string }) => void = () => {};
    const answer = new Promise<{ status: number; body: string }>((resolve) => {
      settled = resolve;
    });
    const server = http.createServer(async (req, res) => {
      const response = await handleNodeRequest(receiver, req);
      settled({ status: response.status, body: response.body });
      res.destroy();
    });
    const url = await listen(server, "/hooks");
    const { headers } = await signedDelivery(passportEvent());
    const req = http.request(url, {
      method: "POST",
      agent: false,
      headers: { ...headers, "content-length": "500" },
    });
    req.on("error", () => {});
    req.write("{");
    setTimeout(() => req.destroy(), 50);
    const res = await answer;
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({
      error: "body_aborted",
      message: "The client aborted or truncated the upload.",
    });
  });
});
