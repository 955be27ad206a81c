import http from "node:http";
import type { AddressInfo } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createReceiver, MemoryStore, type Receiver } from "@webhook-kit/core";
import { createNodeHandler, handleNodeRequest } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import { webhookMiddleware as koaWebhook } from "@webhook-kit/koa";
import type { AdapterUnderTest } from "@webhook-kit/testing/conformance";
import express from "express";
import Koa from "koa";
import { afterEach, describe, expect, it } from "vitest";
import { fastifyAdapter } from "../conformance/servers/fastify.js";
import { listenOn } from "../conformance/servers/listen.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { sleep } from "./support.js";

// Slow, stalled, aborted and oversized uploads over real HTTP on 127.0.0.1: each is cut off or refused,
// frees its socket, runs no handler and leaves no claim; hundreds at once keep memory bounded.

const PATH = "/hooks";
const BODY_TIMEOUT_MS = 300;
/** core/node lingers 2 s on a refused upload before it destroys the socket; allow scheduling slack. */
const SOCKET_FREED_WITHIN_MS = 6_000;

interface Served {
  url: string;
  server: http.Server;
  receiver: Receiver<ReturnType<typeof eulabel>["events"]>;
  store: MemoryStore;
  calls: string[];
  /** For every answer with a 413: how many bytes the server had read from that socket when it answered. */
  readAt413: number[];
  close(): Promise<void>;
}

type AdapterName = "node:http" | "express";

async function serve(adapter: AdapterName, options: { maxBodyBytes?: number } = {}): Promise<Served> {
  const store = new MemoryStore();
  const receiver = createReceiver({ provider: eulabel(), store, bodyTimeoutMs: BODY_TIMEOUT_MS, ...options });
  const calls: string[] = [];
  receiver.on("*", (event) => {
    calls.push(event.id);
  });
  let listener: http.RequestListener;
  if (adapter === "node:http") listener = createNodeHandler(receiver, { path: PATH });
  else {
    const app = express();
    app.use(webhookMiddleware(receiver, { path: PATH }));
    listener = app;
  }
  const readAt413: number[] = [];
  const server = http.createServer((req, res) => {
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => http.ServerResponse;
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      if (status === 413) readAt413.push(req.socket.bytesRead);
      return writeHead(status, ...rest);
    }) as typeof res.writeHead;
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${PATH}`,
    server,
    receiver,
    store,
    calls,
    readAt413,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const connections = (server: http.Server) =>
  new Promise<number>((resolve, reject) =>
    server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );

async function waitFor(what: string, condition: () => Promise<boolean> | boolean, withinMs: number) {
  const deadline = Date.now() + withinMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${withinMs} ms`);
    await sleep(20);
  }
}

interface ClientOutcome {
  status?: number;
  headers?: http.IncomingHttpHeaders;
  text?: string;
  /** ms from the request's start to the answer. */
  answeredAfterMs?: number;
  /** Bytes the client had written when the answer arrived. */
  sentAtAnswer?: number;
  /** ms from the request's start to the socket's close. */
  closedAfterMs?: number;
  error?: string;
  sent: number;
}

/**
 * A hostile uploader. `mode`:
 * - "trickle": declares a length, then one byte every `intervalMs` forever (never finishes);
 * - "silent": declares a length, sends a few bytes, then nothing;
 * - "abort": sends part of the body, then destroys its socket after `abortAfterMs`;
 * - "flood": chunked (no length), 64 KiB writes with backpressure, up to `floodBytes`.
 * It keeps its socket open after an answer, like a client that ignores `Connection: close`, so the test
 * sees whether the server itself frees the socket.
 */
function hostile(
  url: string,
  headers: Record<string, string>,
  mode: "trickle" | "silent" | "abort" | "flood",
  opts: { intervalMs?: number; abortAfterMs?: number; floodBytes?: number } = {},
): { done: Promise<ClientOutcome>; stop(): void } {
  const started = Date.now();
  const out: ClientOutcome = { sent: 0 };
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;
  const hdrs: Record<string, string> = { ...headers };
  if (mode === "flood") hdrs["transfer-encoding"] = "chunked";
  else hdrs["content-length"] = "10000";
  const req = http.request(url, { method: "POST", headers: hdrs, agent: false });
  const done = new Promise<ClientOutcome>((resolve) => {
    req.on("response", (res) => {
      if (res.statusCode !== undefined) out.status = res.statusCode;
      out.headers = res.headers;
      out.answeredAfterMs = Date.now() - started;
      out.sentAtAnswer = out.sent;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        out.text = Buffer.concat(chunks).toString();
      });
      res.on("error", () => {});
    });
    req.on("error", (error) => {
      out.error ??= (error as NodeJS.ErrnoException).code ?? error.message;
    });
    req.on("close", () => {
      clearInterval(timer);
      out.closedAfterMs = Date.now() - started;
      resolve(out);
    });
  });
  req.flushHeaders();
  const write = (chunk: Buffer) => {
    if (stopped || req.destroyed) return true;
    out.sent += chunk.length;
    return req.write(chunk);
  };
  if (mode === "trickle") {
    const one = Buffer.from("{");
    timer = setInterval(() => write(one), opts.intervalMs ?? 50);
  } else if (mode === "silent") {
    write(Buffer.from('{"event":"passport.pub'));
  } else if (mode === "abort") {
    write(Buffer.from('{"event":"passport.published","padding":"'));
    setTimeout(() => req.destroy(), opts.abortAfterMs ?? 50);
  } else {
    const chunk = Buffer.alloc(64 * 1024, "z");
    const limit = opts.floodBytes ?? 32 * 1024 * 1024;
    const pump = () => {
      while (!stopped && !req.destroyed && out.sent < limit) {
        if (!write(chunk)) return void req.once("drain", pump);
      }
    };
    write(Buffer.from('{"event":"passport.published","padding":"'));
    pump();
  }
  return {
    done,
    stop: () => {
      stopped = true;
      clearInterval(timer);
      req.destroy();
    },
  };
}

const adapters: AdapterName[] = ["node:http", "express"];
let running: Served[] = [];
afterEach(async () => {
  await Promise.all(running.map((s) => s.close()));
  running = [];
});
const start = async (adapter: AdapterName, options: { maxBodyBytes?: number } = {}) => {
  const served = await serve(adapter, options);
  running.push(served);
  return served;
};

/** Every connection closed, no handler run, no claim left behind. */
async function expectFreedAndUntouched(s: Served): Promise<void> {
  await waitFor("server connections drained", async () => (await connections(s.server)) === 0, 3_000);
  expect(s.calls).toEqual([]);
  expect(s.store.size).toBe(0);
}

const signedHeaders = async () => (await signedDelivery(passportEvent())).headers;

describe.each(adapters)("slow and aborted clients via %s", (adapter) => {
  it("a trickling upload is cut off with 408 body_timeout and Connection: close; the server frees the socket; nothing runs", async () => {
    const s = await start(adapter);
    const client = hostile(s.url, await signedHeaders(), "trickle", { intervalMs: 40 });
    const outcome = await client.done;
    expect(outcome.status).toBe(408);
    expect(JSON.parse(outcome.text ?? "{}").error).toBe("body_timeout");
    expect(outcome.headers?.connection).toBe("close");
    // Cut off no earlier than bodyTimeoutMs: the timeout counts from the headers, not between bytes.
    expect(outcome.answeredAfterMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 20);
    // The server closed the socket although the client kept trickling.
    expect(outcome.closedAfterMs).toBeLessThan(SOCKET_FREED_WITHIN_MS);
    await expectFreedAndUntouched(s);
  });

  it("a stalled upload (a few bytes, then silence) gets 408 and its socket is closed", async () => {
    const s = await start(adapter);
    const outcome = await hostile(s.url, await signedHeaders(), "silent").done;
    expect(outcome.status).toBe(408);
    expect(outcome.closedAfterMs).toBeLessThan(SOCKET_FREED_WITHIN_MS);
    await expectFreedAndUntouched(s);
  });

  it("an aborted upload frees the connection, runs nothing and leaves no claim; the server keeps serving", async () => {
    const s = await start(adapter);
    const outcomes = await Promise.all(
      Array.from(
        { length: 20 },
        async (_, i) => hostile(s.url, await signedHeaders(), "abort", { abortAfterMs: 10 + i * 5 }).done,
      ),
    );
    for (const o of outcomes) expect(o.status).toBeUndefined();
    await waitFor("server connections drained", async () => (await connections(s.server)) === 0, 3_000);
    await sleep(BODY_TIMEOUT_MS + 100); // any timer the aborted reads left would have fired by now
    expect(s.calls).toEqual([]);
    expect(s.store.size).toBe(0);
    const { body, headers } = await signedDelivery(passportEvent());
    expect((await send(s.url, { headers, body })).status).toBe(200);
    expect(s.calls).toHaveLength(1);
  });

  it("an oversized streamed upload gets 413 while streaming, and the socket is cut after the linger", async () => {
    const s = await start(adapter, { maxBodyBytes: 64 * 1024 });
    const client = hostile(s.url, await signedHeaders(), "flood", { floodBytes: 256 * 1024 * 1024 });
    const outcome = await client.done;
    client.stop();
    // Either the 413 arrived, or the socket was cut while the client was still writing (EPIPE/ECONNRESET).
    if (outcome.status !== undefined) expect(outcome.status).toBe(413);
    else expect(outcome.error).toMatch(/EPIPE|ECONNRESET/);
    // Refused near the limit: the server had read the limit plus at most a socket read or two (64 KiB each)
    // when it answered. (The client's own count includes what the kernel buffers: megabytes on loopback.)
    expect(s.readAt413).toHaveLength(1);
    expect(s.readAt413[0]).toBeLessThan(4 * 64 * 1024);
    expect(outcome.closedAfterMs).toBeLessThan(SOCKET_FREED_WITHIN_MS + 2_000);
    await expectFreedAndUntouched(s);
  });

  it("a client that hangs up after a full upload, while the handler runs: it runs once and the delivery completes", async () => {
    const s = await start(adapter);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const ran: string[] = [];
    s.receiver.on("passport.published", async (event) => {
      ran.push(event.id);
      await gate;
    });
    const { body, headers } = await signedDelivery(passportEvent());
    const req = http.request(s.url, {
      method: "POST",
      headers: { ...headers, "content-length": String(body.length) },
      agent: false,
    });
    req.on("error", () => {});
    req.end(Buffer.from(body));
    await waitFor("handler started", () => ran.length === 1, 3_000);
    req.destroy();
    await waitFor("server connections drained", async () => (await connections(s.server)) === 0, 3_000);
    release();
    await s.receiver.idle();
    await sleep(20);
    const retry = await send(s.url, { headers, body });
    expect(retry.json).toEqual({ received: true, duplicate: true });
    expect(ran).toHaveLength(1);
  });
});

/** Koa as the conformance suite mounts it, silenced: Koa logs every client socket error (an aborted upload
 * is a "Parse Error") to stderr unless `app.silent`. */
const silentKoa: AdapterUnderTest = {
  name: "koa",
  start: (receiver, path) => {
    const app = new Koa();
    app.silent = true;
    app.use(koaWebhook(receiver, { path }));
    return listenOn(http.createServer(app.callback()), path);
  },
};

// Koa and Fastify: only what a client can observe (the answer, when the server closes the socket) plus the
// receiver's own state.
describe.each([silentKoa, fastifyAdapter])("slow and aborted clients via $name", (adapter) => {
  const boot = async (options: { maxBodyBytes?: number } = {}) => {
    const store = new MemoryStore();
    const receiver = createReceiver({
      provider: eulabel(),
      store,
      bodyTimeoutMs: BODY_TIMEOUT_MS,
      ...options,
    });
    const calls: string[] = [];
    receiver.on("*", (event) => {
      calls.push(event.id);
    });
    const server = await adapter.start(receiver, PATH);
    return { ...server, store, calls };
  };

  it("trickling and stalled uploads get 408 and the server closes their sockets; aborted ones run nothing", async () => {
    const s = await boot();
    try {
      const headers = await signedHeaders();
      const [trickle, silent, ...aborted] = await Promise.all([
        hostile(s.url, headers, "trickle", { intervalMs: 40 }).done,
        hostile(s.url, headers, "silent").done,
        ...Array.from(
          { length: 10 },
          (_, i) => hostile(s.url, headers, "abort", { abortAfterMs: 10 + i * 5 }).done,
        ),
      ]);
      for (const o of [trickle!, silent!]) {
        expect(o.status).toBe(408);
        expect(JSON.parse(o.text ?? "{}").error).toBe("body_timeout");
        expect(o.closedAfterMs).toBeLessThan(SOCKET_FREED_WITHIN_MS);
      }
      for (const o of aborted) expect(o.status).toBeUndefined();
      await sleep(BODY_TIMEOUT_MS + 100);
      expect(s.calls).toEqual([]);
      expect(s.store.size).toBe(0);
      const { body, headers: h } = await signedDelivery(passportEvent());
      expect((await send(s.url, { headers: h, body })).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it("an oversized streamed upload is refused (413) or cut, and the socket is closed", async () => {
    const s = await boot({ maxBodyBytes: 64 * 1024 });
    try {
      const client = hostile(s.url, await signedHeaders(), "flood", { floodBytes: 256 * 1024 * 1024 });
      const outcome = await client.done;
      client.stop();
      if (outcome.status !== undefined) expect(outcome.status).toBe(413);
      else expect(outcome.error).toMatch(/EPIPE|ECONNRESET/);
      // Answered while the client was still writing: the body was not read to its end first.
      if (outcome.status !== undefined) expect(outcome.sentAtAnswer).toBeLessThan(256 * 1024 * 1024);
      expect(outcome.closedAfterMs).toBeLessThan(SOCKET_FREED_WITHIN_MS + 2_000);
      expect(s.calls).toEqual([]);
      expect(s.store.size).toBe(0);
    } finally {
      await s.close();
    }
  });
});

describe("handleNodeRequest settles for every hostile upload (no promise left hanging)", () => {
  it("trickling → 408, stalled → 408, aborted → 400 body_aborted, flood → 413", async () => {
    const store = new MemoryStore();
    const receiver = createReceiver({
      provider: eulabel(),
      store,
      bodyTimeoutMs: BODY_TIMEOUT_MS,
      maxBodyBytes: 64 * 1024,
    });
    const calls: string[] = [];
    receiver.on("*", (e) => {
      calls.push(e.id);
    });
    const settled: string[] = [];
    let pending = 0;
    const server = http.createServer((req, res) => {
      pending += 1;
      handleNodeRequest(receiver, req).then(
        (response) => {
          pending -= 1;
          settled.push(`${response.status} ${JSON.parse(response.body).error}`);
          if (!res.destroyed) {
            res.writeHead(response.status, response.headers);
            res.end(response.body);
          }
        },
        (error: unknown) => {
          pending -= 1;
          settled.push(`threw ${String(error)}`);
        },
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;
    try {
      const headers = await signedHeaders();
      const clients = [
        hostile(url, headers, "trickle"),
        hostile(url, headers, "silent"),
        hostile(url, headers, "abort", { abortAfterMs: 30 }),
        hostile(url, headers, "flood", { floodBytes: 64 * 1024 * 1024 }),
      ];
      await waitFor("every request settled", () => settled.length === 4, 5_000);
      for (const c of clients) c.stop();
      expect(pending).toBe(0);
      expect(settled.sort()).toEqual([
        "400 body_aborted",
        "408 body_timeout",
        "408 body_timeout",
        "413 payload_too_large",
      ]);
      expect(calls).toEqual([]);
      expect(store.size).toBe(0);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("receiver.fetch on a streamed Request", () => {
  it("a trickling stream is cut off with 408 and cancelled; a failing stream is 400 body_aborted; nothing runs", async () => {
    const store = new MemoryStore();
    const receiver = createReceiver({ provider: eulabel(), store, bodyTimeoutMs: BODY_TIMEOUT_MS });
    const calls: string[] = [];
    receiver.on("*", (e) => {
      calls.push(e.id);
    });
    const headers = await signedHeaders();
    let pulls = 0;
    let cancelled: unknown = "not cancelled";
    const trickle = new ReadableStream<Uint8Array>(
      {
        async pull(controller) {
          pulls += 1;
          await sleep(40);
          controller.enqueue(new Uint8Array([0x7b]));
        },
        cancel(reason) {
          cancelled = reason;
        },
      },
      { highWaterMark: 0 },
    );
    const started = Date.now();
    const res = await receiver.fetch(
      new Request("http://127.0.0.1/hooks", {
        method: "POST",
        headers,
        body: trickle,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(408);
    expect((await res.json()).error).toBe("body_timeout");
    expect(Date.now() - started).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 20);
    await sleep(50);
    expect(cancelled).not.toBe("not cancelled");
    const pullsAtCancel = pulls;
    await sleep(200);
    expect(pulls).toBe(pullsAtCancel); // nobody reads the stream any more

    const failing = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"event":'));
        setTimeout(() => controller.error(new Error("client went away")), 20);
      },
    });
    const aborted = await receiver.fetch(
      new Request("http://127.0.0.1/hooks", {
        method: "POST",
        headers,
        body: failing,
        duplex: "half",
      } as RequestInit),
    );
    expect(aborted.status).toBe(400);
    expect((await aborted.json()).error).toBe("body_aborted");
    expect(calls).toEqual([]);
    expect(store.size).toBe(0);
  });
});

describe("memory stays bounded under many hostile clients at once", () => {
  it("200 trickling/stalled clients + oversized floods + huge declared lengths, on node:http and express", {
    timeout: 60_000,
  }, async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await sleep(20);
      }
    };
    const servers = await Promise.all([
      start("node:http", { maxBodyBytes: 1024 * 1024 }),
      start("express", { maxBodyBytes: 1024 * 1024 }),
    ]);
    const headers = await signedHeaders();
    await settle();
    const before = process.memoryUsage();
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    let peakHeap = before.heapUsed;
    let peakRss = before.rss;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    }, 25);

    const clients = [
      ...Array.from({ length: 200 }, (_, i) =>
        hostile(servers[i % 2]!.url, headers, i % 4 < 2 ? "trickle" : "silent", { intervalMs: 100 }),
      ),
      ...Array.from({ length: 4 }, (_, i) =>
        hostile(servers[i % 2]!.url, headers, "flood", { floodBytes: 48 * 1024 * 1024 }),
      ),
    ];
    // Huge declared lengths: refused from the header, before any byte is read.
    const declared = await Promise.all(
      servers.map((s) =>
        send(s.url, {
          headers: { ...headers, "content-length": String(512 * 1024 * 1024) },
        }).catch((error: Error) => ({ status: 0, error: error.message })),
      ),
    );
    const outcomes = await Promise.all(clients.map((c) => c.done));
    for (const c of clients) c.stop();
    clearInterval(sampler);
    for (const s of servers)
      await waitFor("server connections drained", async () => (await connections(s.server)) === 0, 5_000);
    await sleep(2_500); // past core's 2 s linger: its timers must be gone too
    await settle();
    const after = process.memoryUsage();
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

    const statuses = new Map<string, number>();
    for (const o of outcomes) {
      const k = o.status === undefined ? `socket ${o.error ?? "closed"}` : String(o.status);
      statuses.set(k, (statuses.get(k) ?? 0) + 1);
    }
    const floodSent = outcomes.slice(200).map((o) => o.sent);
    const floodClosed = outcomes.slice(200).map((o) => o.closedAfterMs);
    const mb = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
    console.info(
      `[memory] 200 slow + 4 flood + 2 declared-huge clients: heapUsed ${mb(before.heapUsed)} → peak ${mb(peakHeap)} → after GC ${mb(after.heapUsed)} MB; ` +
        `rss ${mb(before.rss)} → peak ${mb(peakRss)} → ${mb(after.rss)} MB; answers ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `flood bytes sent before the cut ${floodSent.map(mb).join(", ")} MB, sockets closed after ${floodClosed.join(", ")} ms; declared-huge ${declared.map((d) => d.status).join(", ")}; ` +
        `Timeout handles ${timersBefore} → ${timersAfter}`,
    );
    // Every slow client was answered 408 (or cut), and every socket was closed by the server.
    for (const o of outcomes.slice(0, 200)) expect(o.status).toBe(408);
    for (const o of outcomes) expect(o.closedAfterMs).toBeDefined();
    for (const d of declared) expect(d.status).toBe(413);
    for (const s of servers) {
      expect(s.calls).toEqual([]);
      expect(s.store.size).toBe(0);
    }
    // Each flood was refused having read less than twice its 1 MiB limit from the socket.
    const readAt413 = servers.flatMap((s) => s.readAt413);
    expect(readAt413.length).toBeGreaterThanOrEqual(4);
    for (const read of readAt413) expect(read).toBeLessThan(2 * 1024 * 1024);
    // Generous bounds: 204 bodies buffered whole would be far above (4 floods alone are 192 MB).
    expect(after.heapUsed - before.heapUsed).toBeLessThan(50 * 1024 * 1024);
    expect(peakHeap - before.heapUsed).toBeLessThan(100 * 1024 * 1024);
    expect(timersAfter).toBeLessThanOrEqual(timersBefore + 2);
  });
});
