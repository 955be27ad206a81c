import http from "node:http";
import { cloudEventsValidation, createReceiver, withHandshake } from "@webhook-kit/core";
import { keepRawBody, webhookMiddleware } from "@webhook-kit/express";
import express from "express";
import express4 from "express4";
import request from "supertest";
import { describe, expect, it } from "vitest";
import { listen } from "../conformance/adapters.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

/** Long enough that a receiver waiting on the consumed stream would outlast the test's own timeout. */
const NEVER_MS = 600_000;

function receiverWithLog(options: { bodyTimeoutMs?: number } = {}) {
  const seen: string[] = [];
  const receiver = createReceiver({ provider: eulabel(), ...options });
  receiver.on("*", (event) => {
    seen.push(event.type);
  });
  return { receiver, seen };
}

/** Real HTTP on 127.0.0.1: supertest would JSON-encode a Buffer body sent as application/json. */
async function post(
  app: express.Express | express4.Express,
  path: string,
  payload: unknown = passportEvent(),
) {
  const { body, headers } = await signedDelivery(payload);
  const server = await listen(http.createServer(app), path);
  try {
    const res = await send(server.url, { headers, body });
    return { status: res.status, body: res.json };
  } finally {
    await server.close();
  }
}

describe("@webhook-kit/express", () => {
  it("answers 500 saying how to mount it when express.json() ran first, without waiting on the consumed stream", async () => {
    // bodyTimeoutMs of 10 minutes: a receiver that waited for the body would never answer within the test.
    const { receiver, seen } = receiverWithLog({ bodyTimeoutMs: NEVER_MS });
    const app = express();
    app.use(express.json());
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    const res = await post(app, "/hooks");
    expect(res.status).toBe(500);
    expect(res.body.error).toBe("body_already_consumed");
    expect(res.body.message).toMatch(/before express\.json\(\)/);
    expect(res.body.message).toMatch(/keepRawBody/);
    expect(seen).toEqual([]);
  });

  it("uses the exact bytes kept by express.json({ verify: keepRawBody })", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express();
    app.use(express.json({ verify: keepRawBody }));
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    // Whitespace a re-serialiser would drop: only the original bytes verify.
    const res = await post(
      app,
      "/hooks",
      `{ "event" : "passport.deleted",  "id": "ps_1", "timestamp": "t" }`,
    );
    expect(res.status).toBe(200);
    expect(seen).toEqual(["passport.deleted"]);
  });

  it("uses the Buffer that express.raw() produced", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express();
    app.use(express.raw({ type: "*/*" }));
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    expect((await post(app, "/hooks")).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it("refuses a parsed string body (express.text()) instead of re-encoding it", async () => {
    const { receiver } = receiverWithLog();
    const app = express();
    app.use(express.text({ type: "*/*" }));
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    expect((await post(app, "/hooks")).body.error).toBe("body_already_consumed");
  });

  it("mounts with app.post(path, …) and leaves other routes, and their JSON parsing, alone", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express();
    app.post("/hooks", webhookMiddleware(receiver));
    app.use(express.json());
    app.post("/api/echo", (req, res) => {
      res.json(req.body);
    });
    expect((await post(app, "/hooks")).status).toBe(200);
    const echo = await request(app).post("/api/echo").send({ hello: "world" });
    expect(echo.body).toEqual({ hello: "world" });
    expect(seen).toHaveLength(1);
  });

  it("passes other paths to next()", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express();
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    app.post("/other", (_req, res) => {
      res.status(204).end();
    });
    expect((await post(app, "/other")).status).toBe(204);
    expect((await post(app, "/nowhere")).status).toBe(404);
    expect(seen).toEqual([]);
  });

  it("sees the client address through Express's trust proxy setting", async () => {
    const receiver = createReceiver({ provider: eulabel(), allowedIps: ["198.51.100.0/24"] });
    receiver.on("*", () => {});
    const app = express();
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    const server = await listen(http.createServer(app), "/hooks");
    const { body, headers } = await signedDelivery(passportEvent());
    const spoofed = { ...headers, "x-forwarded-for": "198.51.100.7" };
    // Without trust proxy a forged X-Forwarded-For is ignored.
    expect((await send(server.url, { headers: spoofed, body })).status).toBe(403);
    app.set("trust proxy", "loopback");
    expect((await send(server.url, { headers: spoofed, body })).status).toBe(200);
    await server.close();
  });

  it("hop-count trust (trust proxy 1) believes a client that connects around the proxy; the proxy's address does not", async () => {
    const receiver = createReceiver({ provider: eulabel(), allowedIps: ["198.51.100.0/24"] });
    receiver.on("*", () => {});
    const app = express();
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    const server = await listen(http.createServer(app), "/hooks");
    const direct = async () => {
      const { body, headers } = await signedDelivery(passportEvent());
      const spoofed = { ...headers, "x-forwarded-for": "198.51.100.7" };
      return (await send(server.url, { headers: spoofed, body, localAddress: "127.0.0.2" })).status;
    };
    app.set("trust proxy", 1);
    expect(await direct()).toBe(200);
    app.set("trust proxy", "127.0.0.1");
    expect(await direct()).toBe(403);
    await server.close();
  });

  it("cuts off a body that stalls, with 408 body_timeout, and runs nothing", async () => {
    const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 200 });
    let ran = false;
    receiver.on("*", () => {
      ran = true;
    });
    const app = express();
    app.use(webhookMiddleware(receiver, { path: "/hooks" }));
    const server = await listen(http.createServer(app), "/hooks");
    const { headers } = await signedDelivery(passportEvent());
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        server.url,
        { method: "POST", headers: { ...headers, "content-length": "500" } },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on("error", reject);
      req.write("{"); // and never the rest
    });
    expect(status).toBe(408);
    expect(ran).toBe(false);
    await server.close();
  });
});

describe("@webhook-kit/express on Express 4 (body-parser 1.x)", () => {
  // body-parser 1.x sets `req.body = {}` even when the content type is not its own and it reads nothing.
  for (const [name, parser] of [
    ["express.urlencoded()", () => express4.urlencoded({ extended: false })],
    ["express.text()", () => express4.text()],
    ["express.raw() for another type", () => express4.raw({ type: "application/octet-stream" })],
  ] as const) {
    it(`reads the stream itself when ${name} ran first but skipped the JSON delivery`, async () => {
      const { receiver, seen } = receiverWithLog();
      const app = express4();
      app.use(parser());
      app.use(webhookMiddleware(receiver, { path: "/hooks" }) as unknown as express4.RequestHandler);
      const res = await post(app, "/hooks");
      expect(res.body.error).toBeUndefined();
      expect(res.status).toBe(200);
      expect(seen).toEqual(["passport.published"]);
    });
  }

  it("still answers body_already_consumed at once when express.json() read the stream first", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express4();
    app.use(express4.json());
    app.use(webhookMiddleware(receiver, { path: "/hooks" }) as unknown as express4.RequestHandler);
    const res = await post(app, "/hooks");
    expect(res.status).toBe(500);
    expect(res.body.error).toBe("body_already_consumed");
    expect(seen).toEqual([]);
  });

  it("uses the bytes express.json({ verify: keepRawBody }) kept", async () => {
    const { receiver, seen } = receiverWithLog();
    const app = express4();
    app.use(express4.json({ verify: keepRawBody }));
    app.use(webhookMiddleware(receiver, { path: "/hooks" }) as unknown as express4.RequestHandler);
    expect((await post(app, "/hooks")).status).toBe(200);
    expect(seen).toHaveLength(1);
  });
});

describe("@webhook-kit/express with a handshake on another method (CloudEvents OPTIONS)", () => {
  const origin = "eventemitter.example.com";
  const receiver = () =>
    createReceiver({
      provider: withHandshake(
        eulabel(),
        cloudEventsValidation({ allowedOrigins: [origin], allowedRate: 60 }),
      ),
    });
  const options = async (app: express.Express | express4.Express) => {
    const server = await listen(http.createServer(app), "/webhooks/events");
    try {
      return await send(server.url, { method: "OPTIONS", headers: { "webhook-request-origin": origin } });
    } finally {
      await server.close();
    }
  };

  it.each([
    ["Express 5", () => express() as express.Express | express4.Express],
    ["Express 4", () => express4() as express.Express | express4.Express],
  ])(
    "%s: app.all(path, …) answers the OPTIONS validation; app.post(path, …) never sees it",
    async (_, make) => {
      const all = make();
      all.all("/webhooks/events", webhookMiddleware(receiver()));
      const granted = await options(all);
      expect(granted.status).toBe(200);
      expect(granted.headers["webhook-allowed-origin"]).toBe(origin);
      expect(granted.headers["webhook-allowed-rate"]).toBe("60");

      const used = make();
      used.use("/webhooks/events", webhookMiddleware(receiver()));
      expect((await options(used)).headers["webhook-allowed-origin"]).toBe(origin);

      // The pitfall the docs warn about: Express answers OPTIONS itself for a POST-only route, without consent.
      const postOnly = make();
      postOnly.post("/webhooks/events", webhookMiddleware(receiver()));
      expect((await options(postOnly)).headers["webhook-allowed-origin"]).toBeUndefined();
    },
  );
});
