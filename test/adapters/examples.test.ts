import http from "node:http";
import type { RunningAdapter } from "@webhook-kit/testing/conformance";
import type { FastifyInstance } from "fastify";
import type Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { listenOn } from "../conformance/servers/listen.js";
import { passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

// The Koa and Fastify examples as a user would run them: a signed delivery and the app's own JSON route.
const example = (name: string) => new URL(`../../examples/${name}/app.mjs`, import.meta.url).href;

let running: RunningAdapter | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function exercise(base: string, jsonRoute: string, lines: string[]) {
  const event = passportEvent("passport.published");
  const { body, headers } = await signedDelivery(event);
  const res = await send(`${base}/webhooks/eulabel`, { headers, body });
  expect(res.status).toBe(200);
  expect(lines).toEqual([`published ps_w9x2kf: compliant → ${event.passportUrl}`]);
  const own = await send(`${base}${jsonRoute}`, {
    headers: { "content-type": "application/json" },
    body: '{"n":1}',
  });
  expect(own.status).toBe(200);
  return own.json;
}

describe("examples", () => {
  it("koa-eulabel: webhook verified, /api/notes keeps its parsed JSON body", async () => {
    const lines: string[] = [];
    const { createApp } = (await import(example("koa-eulabel"))) as {
      createApp(o: { secret: string; log: (l: string) => void }): { app: Koa };
    };
    const { app } = createApp({ secret: SECRET, log: (line) => lines.push(line) });
    running = await listenOn(http.createServer(app.callback()), "");
    expect(await exercise(running.url, "/api/notes", lines)).toEqual({ saved: { n: 1 } });
  });

  it("fastify-eulabel: webhook verified, /api/notes keeps its parsed JSON body", async () => {
    const lines: string[] = [];
    const { createApp } = (await import(example("fastify-eulabel"))) as {
      createApp(o: { secret: string; log: (l: string) => void }): Promise<{ app: FastifyInstance }>;
    };
    const { app } = await createApp({ secret: SECRET, log: (line) => lines.push(line) });
    await app.listen({ port: 0, host: "127.0.0.1" });
    const address = app.server.address();
    running = {
      url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
      close: () => app.close(),
    };
    expect(await exercise(running.url, "/api/notes", lines)).toEqual({ saved: { n: 1 } });
  });
});
