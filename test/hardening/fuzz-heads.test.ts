import net from "node:net";
import { createReceiver, ERROR_CODES, type ReceiverCore } from "@webhook-kit/core";
import type { RunningAdapter } from "@webhook-kit/testing/conformance";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adapters } from "../conformance/adapters.js";
import { eulabel, passportEvent, SECRET } from "../support/deliveries.js";
import { fcParams, hmacHex } from "./support.js";

// Issue #24: malformed heads — methods, content types, lengths, encodings, escaped paths, chunking — sent
// byte for byte to every adapter side by side. Each answer is one of the contract's, every adapter gives
// the same one, and nothing ends the process. Seeds are fixed and printed; FC_SEED / FC_RUNS override them.

const PATH = "/webhooks/eulabel";
const LIMIT = 1024;
const codes = new Set(Object.keys(ERROR_CODES));

interface Head {
  method: string;
  path: string;
  contentType: string | undefined;
  encoding: string | undefined;
  signature: "valid" | "wrong" | "absent";
  body: "event" | "not-json" | "over-limit" | "empty";
  chunked: boolean;
}

const head: fc.Arbitrary<Head> = fc.record({
  method: fc.constantFrom("POST", "POST", "POST", "GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"),
  // Every spelling of the one path (escapes of unreserved characters, one trailing slash, a query).
  path: fc.constantFrom(
    PATH,
    `${PATH}/`,
    "/w%65bhooks/eulabel",
    "/webhooks/%65ulabel?x=%zz",
    `${PATH}?a=1&a=2`,
  ),
  contentType: fc.constantFrom(
    undefined,
    "",
    " ",
    "text",
    ";;;bogus",
    "application/json",
    "application/json; charset=utf-16",
    "multipart/form-data; boundary=x",
    "application/x-www-form-urlencoded",
    "text/plain;charset=\u00e9",
  ),
  encoding: fc.constantFrom(
    undefined,
    "",
    "identity",
    " IDENTITY ",
    "gzip",
    "br",
    "gzip, identity",
    "x-unknown",
  ),
  signature: fc.constantFrom("valid", "valid", "wrong", "absent"),
  body: fc.constantFrom("event", "event", "not-json", "over-limit", "empty"),
  chunked: fc.boolean(),
});

function bytesOf(h: Head): Buffer {
  switch (h.body) {
    case "event":
      return Buffer.from(JSON.stringify(passportEvent()));
    case "not-json":
      return Buffer.from("{not json");
    case "over-limit":
      return Buffer.from(JSON.stringify(passportEvent("passport.published", { pad: "p".repeat(LIMIT * 4) })));
    case "empty":
      return Buffer.alloc(0);
  }
}

/** The request exactly as written: head lines, then the body (chunked or with its length). */
function requestBytes(h: Head, host: string, body: Buffer): Buffer {
  const lines = [`${h.method} ${h.path} HTTP/1.1`, `host: ${host}`, "connection: close"];
  if (h.contentType !== undefined) lines.push(`content-type: ${h.contentType}`);
  if (h.encoding !== undefined) lines.push(`content-encoding: ${h.encoding}`);
  if (h.signature === "valid") lines.push(`x-eulabel-signature: sha256=${hmacHex(SECRET, body)}`);
  if (h.signature === "wrong") lines.push(`x-eulabel-signature: sha256=${hmacHex("another", body)}`);
  if (h.chunked) lines.push("transfer-encoding: chunked");
  else lines.push(`content-length: ${body.length}`);
  const start = Buffer.from(`${lines.join("\r\n")}\r\n\r\n`, "latin1");
  if (!h.chunked) return Buffer.concat([start, body]);
  const half = Math.floor(body.length / 2);
  const parts = [body.subarray(0, half), body.subarray(half)].filter((part) => part.length > 0);
  const chunks = parts.map((part) =>
    Buffer.concat([Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from("\r\n")]),
  );
  return Buffer.concat([start, ...chunks, Buffer.from("0\r\n\r\n")]);
}

/** Writes the bytes, reads until the server closes; "status code" (the error code, or "ack" for a 2xx). */
function exchange(url: string, bytes: Buffer, isHead: boolean): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on("connect", () => socket.end(bytes));
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", () => {});
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? "none";
      if (isHead) return resolve(status);
      const body = text.slice(text.indexOf("\r\n\r\n") + 4);
      let json: { error?: string; received?: boolean } = {};
      try {
        // A chunked answer (Koa, Fastify) carries its JSON between size lines.
        json = JSON.parse(body.slice(body.indexOf("{"), body.lastIndexOf("}") + 1));
      } catch {}
      resolve(`${status} ${json.error ?? (json.received ? "ack" : `?${body.slice(0, 80)}`)}`);
    });
  });
}

describe("fuzz: malformed heads against every adapter side by side", () => {
  const running: { name: string; server: RunningAdapter; receiver: ReceiverCore }[] = [];
  const crashes: string[] = [];
  const record = (error: unknown) => void crashes.push(String(error));

  beforeAll(async () => {
    process.on("uncaughtException", record);
    process.on("unhandledRejection", record);
    for (const adapter of adapters) {
      const receiver = createReceiver({ provider: eulabel(), maxBodyBytes: LIMIT, logger: false });
      receiver.on("*", () => {});
      running.push({ name: adapter.name, server: await adapter.start(receiver, PATH), receiver });
    }
  });
  afterAll(async () => {
    process.off("uncaughtException", record);
    process.off("unhandledRejection", record);
    await Promise.all(running.map(({ server }) => server.close()));
  });

  it("every answer is one of the contract's, identical across adapters; nothing ends the process", async () => {
    await fc.assert(
      fc.asyncProperty(head, async (h) => {
        const body = bytesOf(h);
        const answers: Record<string, string> = {};
        for (const { name, server } of running) {
          // The same bytes to each (a fresh event per adapter would not change its answer: each has its own store).
          answers[name] = await exchange(server.url, requestBytes(h, "127.0.0.1", body), h.method === "HEAD");
        }
        const distinct = new Set(Object.values(answers));
        expect(distinct.size, `${JSON.stringify(h)} → ${JSON.stringify(answers, null, 1)}`).toBe(1);
        const [answer = ""] = distinct;
        const [status, code] = answer.split(" ");
        if (h.method !== "HEAD") {
          expect(code === "ack" || codes.has(code ?? ""), `not the contract's: ${answer}`).toBe(true);
          if (code !== "ack") expect(Number(status)).toBe(ERROR_CODES[code as keyof typeof ERROR_CODES]);
        }
        expect(crashes).toEqual([]);
      }),
      fcParams("malformed heads side by side", 2426, 60),
    );
  });
});
