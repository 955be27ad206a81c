import http, { type ServerResponse } from "node:http";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { passportEvent, signedDelivery } from "./deliveries.js";
import { send } from "./http.js";
import type { ScenarioName } from "./scenarios.js";
import type { BeforeWebhook, ConformanceTarget, ScenarioTarget } from "./targets.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it holds; a generous deadline, so a busy machine only makes it slower. */
async function eventually(what: string, probe: () => Promise<boolean>, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`never happened: ${what}`);
    await sleep(25);
  }
}

/**
 * A response-timeout middleware mounted before the webhook (the connect-timeout pattern): it answers 503
 * itself, `afterMs` after the request arrived, or when `answerNow()` is called.
 */
function responseTimeout(afterMs?: number): { before: BeforeWebhook; answerNow(): void } {
  const pending: ServerResponse[] = [];
  const answer = (res: ServerResponse) => {
    if (res.headersSent) return;
    res.writeHead(503, { "content-type": "text/plain" });
    res.end("timed out before the webhook answered");
  };
  return {
    before: (_req, res) => {
      if (afterMs === undefined) pending.push(res);
      else setTimeout(() => answer(res), afterMs);
    },
    answerNow: () => {
      for (const res of pending.splice(0)) answer(res);
    },
  };
}

/** Records what would end a real process: an uncaught exception or an unhandled rejection. */
function watchForCrashes() {
  const crashes: string[] = [];
  const record = (error: unknown) => {
    crashes.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  process.on("uncaughtException", record);
  process.on("unhandledRejection", record);
  return {
    crashes,
    stop() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
  };
}

/** Declares `length` bytes, sends the first, then nothing; resolves with the first answer. */
function stalledUpload(url: string, headers: Record<string, string>, length = 100) {
  return new Promise<{ status: number; close(): void }>((resolve, reject) => {
    const req = http.request(
      url,
      { method: "POST", headers: { ...headers, "content-length": String(length) }, agent: false },
      (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, close: () => req.destroy() });
      },
    );
    req.on("error", reject);
    req.write("{");
  });
}

const DROPPED = /already (sent|answered)/i;

/**
 * Sends a head with `Expect: 100-continue`, sends the body only once the server says `100 Continue`, and
 * resolves with every status line the server sent, in order (e.g. ["100", "200"] or ["413"]).
 */
function expectContinue(url: string, headers: Record<string, string>, body: Buffer, declared = body.length) {
  const { hostname, port, pathname } = new URL(url);
  return new Promise<string[]>((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    let sentBody = false;
    const lines = Object.entries({
      host: `${hostname}:${port}`,
      expect: "100-continue",
      "content-length": String(declared),
      connection: "close",
      ...headers,
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    socket.on("connect", () => socket.write(`POST ${pathname} HTTP/1.1\r\n${lines}\r\n`));
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
      if (!sentBody && answer.startsWith("HTTP/1.1 100")) {
        sentBody = true;
        socket.write(body);
      }
    });
    const done = () => resolve([...answer.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1] ?? ""));
    socket.on("close", done);
    socket.on("error", () => {});
  });
}

/**
 * A chunked POST: one byte, then nothing until the server answers; from then on it uploads as fast as the
 * socket takes bytes. Resolves with the status and how many bytes the server let in before it closed
 * (or `giveUpBytes`, for a server that reads on and on).
 */
function blastAfterAnswer(
  url: string,
  giveUpBytes = 512 * 1024 * 1024,
): Promise<{ status: number; sent: number }> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    let sent = 0;
    let blasting = false;
    let done = false;
    const chunk = Buffer.concat([Buffer.from("10000\r\n"), Buffer.alloc(0x10000, 120), Buffer.from("\r\n")]);
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0), sent });
    };
    const blast = () => {
      while (!done && sent < giveUpBytes) {
        sent += chunk.length;
        if (!socket.write(chunk)) return void socket.once("drain", blast);
      }
      finish();
    };
    socket.on("connect", () =>
      socket.write(
        `POST ${pathname} HTTP/1.1\r\nhost: ${hostname}:${port}\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n1\r\n{\r\n`,
      ),
    );
    socket.on("data", (data: Buffer) => {
      answer += data.toString("latin1");
      if (!blasting && /^HTTP\/1\.1 \d{3}/.test(answer)) {
        blasting = true;
        blast();
      }
    });
    socket.on("error", finish);
    socket.on("close", finish);
  });
}

interface Trickled {
  status: number;
  head: string;
  /** The server closed the connection while the client was still sending its declared body. */
  closedWhileSending: boolean;
}

/**
 * Sends a head declaring a huge body, then one byte every 20 ms, until the server closes the connection (or
 * `giveUpMs` passes: then `closedWhileSending` is false, as for a server that reads on for minutes).
 */
function trickleUntilClosed(
  url: string,
  method: string,
  headers: Record<string, string>,
  giveUpMs = 15_000,
): Promise<Trickled> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    let answer = "";
    let closed = false;
    let gaveUp = false;
    const lines = Object.entries({ host: `${hostname}:${port}`, "content-length": "1000000000", ...headers })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("");
    let timer: ReturnType<typeof setInterval> | undefined;
    socket.on("connect", () => {
      socket.write(`${method} ${pathname} HTTP/1.1\r\n${lines}\r\n{`);
      // Only after the head: a byte queued before it (a slow connect) would make the request malformed.
      timer = setInterval(() => {
        if (!closed && socket.writable) socket.write("x");
      }, 20);
    });
    socket.on("data", (chunk: Buffer) => {
      answer += chunk.toString("latin1");
    });
    const giveUp = setTimeout(() => {
      gaveUp = true;
      socket.destroy();
    }, giveUpMs);
    const finish = () => {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      clearTimeout(giveUp);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0);
      const head = answer.split("\r\n\r\n")[0] ?? "";
      resolve({ status, head: head.toLowerCase(), closedWhileSending: !gaveUp });
    };
    socket.on("error", () => finish());
    socket.on("close", () => finish());
    socket.on("end", () => socket.destroy());
  });
}

/**
 * The rows about how an adapter sits in its framework, over real HTTP: a response someone else already sent,
 * refusals that never read the body, malformed heads. Run by `describeAdapterConformance` with the receiver
 * contract's rows; a third-party adapter meets them the same way.
 *
 * @example
 * describeAdapterRows(inProcessTarget({ name: "my-framework", start: (receiver, path, before) => serve(receiver, path, before) }));
 */
export function describeAdapterRows(target: ConformanceTarget): void {
  describe(`adapter rows via ${target.name}`, () => {
    const opened: ScenarioTarget[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    });

    async function open(scenario: ScenarioName = "plain", before?: BeforeWebhook) {
      const served = await target.open(scenario, before);
      opened.push(served);
      return served;
    }

    async function post(url: string, payload: unknown = passportEvent()) {
      const { body, headers } = await signedDelivery(payload);
      return send(url, { headers, body });
    }

    const oddTypes = ["", " ", "text", ";;;bogus", "application/json; charset"];
    it("any Content-Type, even an invalid one, reaches the receiver: a signed delivery is 200", async () => {
      const s = await open();
      for (const type of oddTypes) {
        const { body, headers } = await signedDelivery(passportEvent());
        const res = await send(s.url, { headers: { ...headers, "content-type": type }, body });
        expect(res.status, `Content-Type ${JSON.stringify(type)}: ${res.text}`).toBe(200);
      }
      expect(await s.calls()).toHaveLength(oddTypes.length);
    });

    it("DELETE and OPTIONS with an invalid Content-Type get the contract's 405 with Allow: POST", async () => {
      const s = await open();
      for (const method of ["DELETE", "OPTIONS"]) {
        for (const type of oddTypes) {
          const res = await send(s.url, { method, headers: { "content-type": type }, body: "{}" });
          expect(res.status, `${method}, Content-Type ${JSON.stringify(type)}: ${res.text}`).toBe(405);
          expect(res.headers.allow).toBe("POST");
        }
      }
    });

    it("413 before 415: a compressed body declaring more than maxBodyBytes is refused for its size first", async () => {
      const s = await open("small-limit");
      const res = await send(s.url, {
        headers: { "content-type": "application/json", "content-encoding": "gzip" },
        body: Buffer.alloc(4096, 1),
      });
      expect(res.status).toBe(413);
      expect(res.json.error).toBe("payload_too_large");
    });

    if (target.writesNodeResponse) {
      it("Expect: 100-continue with a declared length over the limit: 413, never a 100 Continue inviting the upload", async () => {
        const s = await open("small-limit");
        const { headers } = await signedDelivery(passportEvent());
        expect(await expectContinue(s.url, headers, Buffer.alloc(0), 10 * 1024 * 1024)).toEqual(["413"]);
      });

      it("Expect: 100-continue from outside the allow-list: 403, never a 100 Continue inviting the upload", async () => {
        const s = await open("allow-denied");
        const { headers } = await signedDelivery(passportEvent());
        expect(await expectContinue(s.url, headers, Buffer.alloc(0), 500)).toEqual(["403"]);
      });

      it("Expect: 100-continue within the limit: 100 Continue, then the delivery is received", async () => {
        const s = await open();
        const { body, headers } = await signedDelivery(passportEvent());
        expect(await expectContinue(s.url, headers, Buffer.from(body))).toEqual(["100", "200"]);
        expect(await s.calls()).toHaveLength(1);
      });

      const refusals: [string, ScenarioName, string, Record<string, string>, number][] = [
        ["405 for a PUT", "plain", "PUT", { "content-type": "application/json" }, 405],
        // Methods outside a router's usual list (WebDAV, caches, RFC 9110's TRACE, the QUERY draft).
        ...["PROPFIND", "TRACE", "PURGE", "MKCOL", "SEARCH", "QUERY"].map(
          (method): [string, ScenarioName, string, Record<string, string>, number] => [
            `405 for a ${method}`,
            "plain",
            method,
            { "content-type": "application/json" },
            405,
          ],
        ),
        // Fastify answers a QUERY without a Content-Type 400 itself, after the route's onRequest hook.
        ["405 for a QUERY without a Content-Type", "plain", "QUERY", {}, 405],
        ["403 outside the allow-list", "allow-denied", "POST", { "content-type": "application/json" }, 403],
        // Under the 1 MiB default, so the size does not answer first.
        [
          "415 for a gzip body",
          "plain",
          "POST",
          { "content-encoding": "gzip", "content-length": "1000000" },
          415,
        ],
        ["413 for a declared length over the limit", "small-limit", "POST", {}, 413],
        [
          "413 for a gzip body declared over the limit",
          "small-limit",
          "POST",
          { "content-encoding": "gzip" },
          413,
        ],
      ];
      for (const [what, scenario, method, headers, status] of refusals) {
        it(`${what}: answered without reading the body, then the connection is closed, not drained`, async () => {
          const s = await open(scenario);
          const res = await trickleUntilClosed(s.url, method, headers);
          expect(res.status, res.head).toBe(status);
          expect(res.head).toContain("connection: close");
          expect(res.closedWhileSending, "the server read on instead of closing").toBe(true);
          expect(await s.calls()).toEqual([]);
        });
      }

      it("a body still arriving after a timeout middleware answered is drained only up to a cap, then cut", async () => {
        const s = await open("plain", responseTimeout(50).before);
        const { status, sent } = await blastAfterAnswer(s.url);
        expect(status).toBe(503);
        // maxBodyBytes (1 MiB) plus what socket buffers hold: far below what 2 s at full speed would read.
        expect(sent, "bytes the server let in after answering").toBeLessThan(64 * 1024 * 1024);
      });

      it("survives a response a timeout middleware already sent while an unsigned body stalled: logs, never throws", async () => {
        const watch = watchForCrashes();
        try {
          // The middleware answers at 50 ms; the webhook's own 408 comes at bodyTimeoutMs (200 ms) or later.
          const s = await open("short-body-timeout", responseTimeout(50).before);
          const upload = await stalledUpload(s.url, { "content-type": "application/json" });
          expect(upload.status).toBe(503);
          await eventually(
            "the adapter logs that its answer was dropped",
            async () => watch.crashes.length > 0 || (await s.logs()).some((line) => DROPPED.test(line)),
          );
          expect(watch.crashes, "what would end the process").toEqual([]);
          upload.close();
          expect((await post(s.url)).status, "the server still answers").toBe(200);
        } finally {
          watch.stop();
        }
      });

      it("survives a response a timeout middleware sent while a handler ran: logs; the retry is a duplicate", async () => {
        const watch = watchForCrashes();
        try {
          const timeout = responseTimeout();
          const s = await open("gated", timeout.before);
          const event = passportEvent();
          const first = post(s.url, event);
          await eventually("the handler starts", async () => (await s.calls()).length === 1);
          timeout.answerNow();
          expect((await first).status).toBe(503);
          await s.release();
          await eventually(
            "the adapter logs that its answer was dropped",
            async () => watch.crashes.length > 0 || (await s.logs()).some((line) => DROPPED.test(line)),
          );
          expect(watch.crashes, "what would end the process").toEqual([]);
          await s.idle();
          // Handled once and recorded: the sender's retry after the 503 is acknowledged, not run again.
          expect((await post(s.url, event)).json).toEqual({ received: true, duplicate: true });
          expect(await s.calls()).toHaveLength(1);
        } finally {
          watch.stop();
        }
      });
    }
  });
}
