import http from "node:http";
import { createReceiver, type Logger } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/express";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import express from "express";
import { describe, expect, it, vi } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { freePort } from "../support/redis.js";

// Issue #24, seen once: every 403 logged a warning (a flood from outside the allow-list was a flood of
// lines), and behind a spoofable trust setting the address came from X-Forwarded-For without saying so.

const listen = listenPerTest();

function recording() {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: (obj, msg) => void warnings.push({ obj: obj as Record<string, unknown>, msg: msg ?? "" }),
    error: () => {},
  };
  return { warnings, logger };
}

describe("refusals outside the allow-list in the log", () => {
  it("a burst of 403s is one line at once, not one per request (counted later, as outages are)", async () => {
    const { warnings, logger } = recording();
    const receiver = createReceiver({ provider: eulabel(), allowedIps: ["10.0.0.0/8"], logger });
    const { body, headers } = await signedDelivery(passportEvent());
    for (let i = 0; i < 50; i += 1) {
      const res = await receiver.handle({
        method: "POST",
        headers,
        rawBody: body,
        remoteAddress: "203.0.113.9",
      });
      expect(res.status).toBe(403);
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toMatch(/not allowed/);
  });

  it("says where the address came from: the socket, or the framework's proxy setting (X-Forwarded-For)", async () => {
    const { warnings, logger } = recording();
    const receiver = createReceiver({ provider: eulabel(), allowedIps: ["10.0.0.0/8"], logger });
    const app = express();
    app.set("trust proxy", true); // spoofable: any client may write X-Forwarded-For
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    const url = await listen(http.createServer(app), "/hooks");
    const { body, headers } = await signedDelivery(passportEvent());
    const res = await send(url, { headers: { ...headers, "x-forwarded-for": "198.51.100.66" }, body });
    expect(res.status).toBe(403);
    expect(warnings[0]?.obj.remoteAddress).toBe("198.51.100.66");
    expect(String(warnings[0]?.obj.addressFrom)).toMatch(/X-Forwarded-For/);

    const { warnings: socketWarnings, logger: socketLogger } = recording();
    const plain = createReceiver({ provider: eulabel(), allowedIps: ["10.0.0.0/8"], logger: socketLogger });
    const direct = express();
    direct.use(webhookMiddleware(plain, { path: "/hooks" }));
    const directUrl = await listen(http.createServer(direct), "/hooks");
    expect((await send(directUrl, { headers, body })).status).toBe(403);
    expect(socketWarnings[0]?.obj.addressFrom).toBe("socket");
  });
});

describe("refusals during a store outage in the log", () => {
  it("the first 503 is one error line with its cause's stack; later ones one summary line per 10 s, stack at debug", async () => {
    vi.useFakeTimers({ toFake: ["performance"] });
    try {
      const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
      const at =
        (level: string) =>
        (obj: object, msg?: string): void =>
          void lines.push({ level, obj: obj as Record<string, unknown>, msg: msg ?? "" });
      const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
      // A Redis that is down: nothing listens on this port.
      const client = createRedisClient(`redis://127.0.0.1:${await freePort()}`);
      client.on("error", () => {});
      try {
        const receiver = createReceiver({
          provider: eulabel(),
          store: new RedisStore({ client, prefix: "refusal-log:" }),
          storeTimeoutMs: 200,
          logger,
        });
        const deliver = async () => {
          const { body, headers } = await signedDelivery(passportEvent());
          const res = await receiver.handle({ method: "POST", headers, rawBody: body });
          expect(res.status).toBe(503);
        };
        for (let i = 0; i < 5; i += 1) await deliver();
        const errors = () => lines.filter((l) => l.level === "error");
        expect(errors()).toHaveLength(1);
        expect(errors()[0]?.obj.err).toBeInstanceOf(Error);
        vi.advanceTimersByTime(10_001);
        await deliver();
        expect(errors()).toHaveLength(2);
        expect(errors()[1]?.msg).toMatch(/\(4 more since the last report\)$/);
        expect(errors()[1]?.obj.err, "the summary line carries no stack").toBeUndefined();
        expect(typeof errors()[1]?.obj.cause).toBe("string");
        expect(lines.filter((l) => l.level === "debug" && l.obj.err instanceof Error).length).toBeGreaterThan(
          0,
        );
      } finally {
        client.disconnect();
      }
    } finally {
      vi.useRealTimers();
    }
  });
});
