import http from "node:http";
import { createReceiver } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { fastifyAdapter } from "../conformance/servers/fastify.js";
import { koaAdapter } from "../conformance/servers/koa.js";
import { nextAppAdapter } from "../conformance/servers/next-app.js";
import { nextPagesAdapter } from "../conformance/servers/next-pages.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// A sender that declares a body and stalls after its first byte: every adapter answers 408 body_timeout
// after bodyTimeoutMs (so no socket or memory is held forever), and runs nothing.
describe.each([koaAdapter, fastifyAdapter, nextAppAdapter, nextPagesAdapter])(
  "stalled upload via $name",
  (adapter) => {
    it("408 body_timeout, no handler run", async () => {
      const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 200 });
      let ran = false;
      receiver.on("*", () => {
        ran = true;
      });
      const running = await adapter.start(receiver, "/hooks");
      try {
        const { headers } = await signedDelivery(passportEvent());
        const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
          const req = http.request(
            running.url,
            { method: "POST", headers: { ...headers, "content-length": "500" }, agent: false },
            (res) => {
              let body = "";
              res.on("data", (chunk: Buffer) => {
                body += chunk.toString();
              });
              res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
          );
          req.on("error", reject);
          req.write("{"); // and never the rest
        });
        expect(answer.status).toBe(408);
        expect(JSON.parse(answer.body).error).toBe("body_timeout");
        expect(ran).toBe(false);
      } finally {
        await running.close();
      }
    });
  },
);
