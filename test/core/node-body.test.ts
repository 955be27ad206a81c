import http from "node:http";
import { Socket } from "node:net";
import { createReceiver } from "@webhook-kit/core";
import { handleNodeRequest, readNodeBody } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// Issue #18 ("tests that did not bite"), core/node/body.ts: each test here was seen failing with its bug
// planted (the Content-Length check removed; a flowing stream taken for unread), then the code restored.

const listen = listenPerTest();

/** An IncomingMessage fed by hand, as frameworks' injection helpers build them: nothing enforces its length. */
function handFed(declared: number, chunks: string[]): http.IncomingMessage {
  const req = new http.IncomingMessage(new Socket());
  req.headers = { "content-length": String(declared) };
  for (const chunk of chunks) req.push(Buffer.from(chunk));
  req.push(null);
  return req;
}

describe("readNodeBody", () => {
  it("refuses a body shorter than its Content-Length as aborted, never hands it on", async () => {
    await expect(readNodeBody(handFed(10, ["abc"]), 1024, 60_000)).rejects.toMatchObject({
      code: "body_aborted",
    });
    await expect(readNodeBody(handFed(3, ["abcd"]), 1024, 60_000)).rejects.toMatchObject({
      code: "body_aborted",
    });
    expect(Buffer.from(await readNodeBody(handFed(6, ["abc", "def"]), 1024, 60_000)).toString()).toBe(
      "abcdef",
    );
  });

  it("refuses a stream another listener is reading (flowing, not ended) as consumed, at once", async () => {
    let outcome: Promise<unknown> = Promise.resolve();
    const server = http.createServer((req, res) => {
      req.on("data", () => {}); // someone upstream reads: the stream flows, and has not ended
      outcome = readNodeBody(req, 1024, 600_000).then(
        () => "read",
        (error: { code?: string }) => error.code,
      );
      void outcome.then(() => res.end());
    });
    const url = await listen(server, "/hooks");
    await new Promise<void>((resolve, reject) => {
      const req = http.request(url, { method: "POST", agent: false, headers: { "content-length": "100" } });
      req.on("response", (res) => {
        res.resume();
        req.destroy();
        resolve();
      });
      req.on("error", reject);
      req.write("{"); // and no more: a reader that waited would wait for 10 minutes
    });
    expect(await outcome).toBe("body_already_consumed");
  });
});

describe("handleNodeRequest", () => {
  it("answers 500 body_already_consumed for a stream an upstream listener is reading, without waiting on it", async () => {
    const receiver = createReceiver({ provider: eulabel(), bodyTimeoutMs: 600_000, logger: false });
    const server = http.createServer(async (req, res) => {
      req.on("data", () => {});
      const response = await handleNodeRequest(receiver, req);
      res.writeHead(response.status, response.headers).end(response.body);
    });
    const url = await listen(server, "/hooks");
    const { headers } = await signedDelivery(passportEvent());
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(url, {
        method: "POST",
        agent: false,
        headers: { ...headers, "content-length": "500" },
      });
      req.on("response", (res) => {
        let body = "";
        res.on("data", (c: Buffer) => {
          body += c.toString();
        });
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on("error", reject);
      req.write("{");
    });
    expect(answer.status).toBe(500);
    expect(JSON.parse(answer.body).error).toBe("body_already_consumed");
  });
});
