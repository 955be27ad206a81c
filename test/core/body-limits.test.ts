import http from "node:http";
import { createReceiver } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { floodUntilAnswered } from "../support/flood.js";

// "Refused once the limit is passed, never buffered far beyond it": measured where it happens. On the Node
// path, the server socket's bytesRead when the 413 is written; on the fetch path, the bytes the receiver
// pulled from the Request's stream. A reader whose limit is several times too high, or that reads to the end
// and checks afterwards, fails these bounds by megabytes.

const LIMIT = 256 * 1024;
const listen = listenPerTest();

describe("Node path (createNodeHandler → handleNodeRequest → readNodeBody)", () => {
  /** Serves the receiver and records how many bytes the server had read from the socket when it answered. */
  async function serve() {
    const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: LIMIT });
    let ran = false;
    receiver.on("*", () => {
      ran = true;
    });
    const handler = createNodeHandler(receiver);
    const seen: { readAtAnswer?: number } = {};
    const server = http.createServer((req, res) => {
      const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
      res.writeHead = ((...args: unknown[]) => {
        seen.readAtAnswer ??= req.socket.bytesRead;
        return writeHead(...args);
      }) as typeof res.writeHead;
      handler(req, res);
    });
    return { url: await listen(server, "/hooks"), seen, ran: () => ran };
  }

  it("answers 413 while a chunked upload streams, having read less than twice maxBodyBytes", async () => {
    const { url, seen, ran } = await serve();
    const { headers } = await signedDelivery(passportEvent());
    const outcome = await floodUntilAnswered(url, headers);
    expect(outcome.status).toBe(413);
    expect(outcome.json.error).toBe("payload_too_large");
    expect(outcome.answeredWhileStreaming, `answered only after all ${outcome.sent} bytes`).toBe(true);
    expect(seen.readAtAnswer).toBeGreaterThan(LIMIT);
    expect(seen.readAtAnswer).toBeLessThan(2 * LIMIT);
    expect(outcome.headers.connection).toBe("close");
    expect(ran()).toBe(false);
  });

  it("reads a body of exactly maxBodyBytes, and refuses one byte more", async () => {
    const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: LIMIT });
    receiver.on("*", () => {});
    const url = await listen(http.createServer(createNodeHandler(receiver)), "/hooks");
    const fill = (size: number) => {
      const base = JSON.stringify(passportEvent("passport.published", { padding: "" }));
      return base.replace('"padding":""', `"padding":"${"p".repeat(size - base.length)}"`);
    };
    for (const [size, status] of [
      [LIMIT, 200],
      [LIMIT + 1, 413],
    ] as const) {
      const { body, headers } = await signedDelivery(fill(size));
      expect(body.length).toBe(size);
      // Chunked, so only the streaming check can decide (no Content-Length to refuse up front).
      const answer = await new Promise<number>((resolve, reject) => {
        const req = http.request(url, { method: "POST", headers, agent: false }, (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        });
        req.on("error", reject);
        req.end(body);
      });
      expect(answer, `${size} bytes`).toBe(status);
    }
  });
});

/** A body stream that hands out `chunkBytes` per pull, up to `capBytes`, counting what was pulled. */
function countingBody(chunkBytes: number, capBytes: number) {
  let pulled = 0;
  const chunk = new Uint8Array(chunkBytes).fill(0x7a);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= capBytes) return controller.close();
      pulled += chunk.length;
      controller.enqueue(chunk.slice());
    },
  });
  return { stream, pulled: () => pulled };
}

describe("fetch path (receiver.fetch → readWebBody)", () => {
  it("stops pulling the Request body as soon as it passes maxBodyBytes", async () => {
    const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: LIMIT });
    let ran = false;
    receiver.on("*", () => {
      ran = true;
    });
    const { headers } = await signedDelivery(passportEvent());
    const chunk = 16 * 1024;
    const body = countingBody(chunk, 64 * LIMIT);
    const res = await receiver.fetch(
      new Request("http://127.0.0.1/hooks", {
        method: "POST",
        headers,
        body: body.stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toBe("payload_too_large");
    expect(body.pulled()).toBeGreaterThan(LIMIT);
    // The chunk that crossed the limit, and at most two the stream queued ahead of the reader.
    expect(body.pulled()).toBeLessThanOrEqual(LIMIT + 3 * chunk);
    expect(ran).toBe(false);
  });

  it("readWebBody accepts exactly the limit and refuses one byte more", async () => {
    const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: LIMIT });
    for (const [size, status] of [
      [LIMIT, 401],
      [LIMIT + 1, 413],
    ] as const) {
      const res = await receiver.fetch(
        new Request("http://127.0.0.1/hooks", {
          method: "POST",
          body: countingBody(size, size).stream,
          duplex: "half",
        } as RequestInit),
      );
      // Within the limit the body is read whole and then refused for its missing signature.
      expect(res.status, `${size} bytes`).toBe(status);
    }
  });
});
