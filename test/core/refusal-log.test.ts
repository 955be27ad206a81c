import http from "node:http";
import { createReceiver, type Logger } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/express";
import express from "express";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

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
