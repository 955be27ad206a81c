import http from "node:http";
import {
  createReceiver,
  type IdempotencyStore,
  MemoryStore,
  providers,
  type ReceiverOptions,
  sign,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { passportEvent, SECRET } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { capturingLogger, findLeaks, needleForms, serializeDeep, sleep } from "./support.js";

// "Errors and logs never contain the payload": every answer the receiver can give, with payload fields that
// carry markers at the start, in the middle and at the end of the body, and everything observable scanned for
// them: response bodies and headers, every log line (objects and errors included, deeply), every onError
// error. A leak of the whole body, a slice of it, or one field's value is found.

const MARK = {
  head: "PAYLOAD-HEAD-6f1d2c",
  middle: "PAYLOAD-MIDDLE-93ab0e",
  tail: "PAYLOAD-TAIL-48c7d5",
  invalid: "PAYLOAD-INVALID-VALUE-2e7f",
} as const;

const needles = Object.entries(MARK).flatMap(([where, marker]) => needleForms(`payload ${where}`, marker));

/** A passport event whose own fields carry the markers (the presets keep unknown fields). */
function markedEvent(type = "passport.published", extra: Record<string, unknown> = {}) {
  const { event, ...rest } = passportEvent(type);
  return JSON.stringify({
    note: MARK.head,
    event,
    ...rest,
    detail: { memo: MARK.middle },
    ...extra,
    tail: MARK.tail,
  });
}

const texts: [string, string][] = [];
const logger = capturingLogger();
const onErrors: unknown[] = [];
const seen = new Set<string>();
const collect = (where: string, value: unknown) => texts.push([where, serializeDeep(value)]);

type Options = Partial<ReceiverOptions<ReturnType<typeof providers.eulabel>["events"]>>;

function receiverWith(options: Options = {}, handler?: () => unknown) {
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: SECRET }),
    logger,
    onError: (error) => onErrors.push(error),
    ...options,
  });
  receiver.on(["passport.published", "passport.enriched"], async () => {
    await handler?.();
  });
  return receiver;
}

async function signed(body: string, secret = SECRET) {
  const out = await sign(providers.eulabel({ secret }), body);
  return {
    method: "POST",
    headers: { "content-type": "application/json", ...out.headers },
    rawBody: out.body,
  };
}

/** Records the answer and which contract row it was. */
function answer(where: string, res: { status: number; headers: Record<string, string>; body: string }) {
  collect(`${where} response`, res);
  let row = String(res.status);
  try {
    const parsed = JSON.parse(res.body) as Record<string, unknown>;
    row = typeof parsed.error === "string" ? parsed.error : `${res.status}`;
  } catch {}
  seen.add(row);
  return row;
}

const brokenStore: IdempotencyStore = {
  claim: () => Promise.reject(new Error("ECONNREFUSED")),
  complete: () => Promise.reject(new Error("ECONNREFUSED")),
  release: () => Promise.reject(new Error("ECONNREFUSED")),
  renew: () => Promise.reject(new Error("ECONNREFUSED")),
};

const listen = listenPerTest();

describe("the payload never appears in a response, a log line or an onError error", () => {
  it("through receiver.handle(): refusals, failures and successes", async () => {
    const body = markedEvent();
    // 401: no signature, a wrong secret, altered bytes.
    const unsigned = await signed(body);
    delete (unsigned.headers as Record<string, string>)["x-eulabel-signature"];
    expect(answer("401 missing", await receiverWith().handle(unsigned))).toBe("missing_signature");
    expect(answer("401 forged", await receiverWith().handle(await signed(body, "not-the-secret")))).toBe(
      "invalid_signature",
    );
    const altered = await signed(body);
    altered.rawBody = new TextEncoder().encode(`${body.slice(0, -1)} }`);
    expect(answer("401 altered", await receiverWith().handle(altered))).toBe("invalid_signature");
    // 400: not JSON, schema violation with the marker as the bad value, no event type.
    expect(answer("400 not JSON", await receiverWith().handle(await signed(`${body.slice(0, -3)}`)))).toBe(
      "invalid_payload",
    );
    const schema = await signed(
      markedEvent("passport.published", {
        compliance: { ...passportEvent().compliance, completeness: MARK.invalid },
      }),
    );
    expect(answer("400 schema", await receiverWith().handle(schema))).toBe("invalid_payload");
    const typeless = await signed(JSON.stringify({ note: MARK.head, detail: MARK.middle, tail: MARK.tail }));
    expect(answer("400 no type", await receiverWith().handle(typeless))).toBe("invalid_payload");
    // 413 on the buffered path.
    expect(answer("413", await receiverWith({ maxBodyBytes: 64 }).handle(await signed(body)))).toBe(
      "payload_too_large",
    );
    // 200, duplicate, no handler.
    const receiver = receiverWith();
    expect(answer("200", await receiver.handle(await signed(body)))).toBe("200");
    expect(answer("200 duplicate", await receiver.handle(await signed(body)))).toBe("200");
    expect(
      answer("200 unhandled", await receiver.handle(await signed(markedEvent("passport.deleted")))),
    ).toBe("200");
    // 409: a copy while the first runs.
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const gated = receiverWith({}, () => gate);
    const first = gated.handle(await signed(body));
    await sleep(20);
    expect(answer("409", await gated.handle(await signed(body)))).toBe("in_progress");
    release();
    await first;
    // 500 handler_failed; 202 at the deadline, then a failure reported to onError.
    expect(
      answer(
        "500 handler",
        await receiverWith({}, () => {
          throw new Error("database down");
        }).handle(await signed(body)),
      ),
    ).toBe("handler_failed");
    const late = receiverWith({ ackDeadlineMs: 10 }, async () => {
      await sleep(50);
      throw new Error("late failure");
    });
    expect(answer("202", await late.handle(await signed(body)))).toBe("202");
    await late.idle();
    // 503: the store down at claim; the store down at completion (after a 200).
    expect(answer("503", await receiverWith({ store: brokenStore }).handle(await signed(body)))).toBe(
      "store_unavailable",
    );
    const store = new MemoryStore();
    store.complete = () => Promise.reject(new Error("write failed"));
    expect(answer("200, completion lost", await receiverWith({ store }).handle(await signed(body)))).toBe(
      "200",
    );
    // 500 internal_error: a provider hook that throws.
    const base = providers.eulabel({ secret: SECRET });
    const throwing = createReceiver({
      provider: {
        ...base,
        idempotencyKey: () => {
          throw new Error("hook bug");
        },
      },
      logger,
      onError: (error) => onErrors.push(error),
    });
    expect(answer("500 internal", await throwing.handle(await signed(body)))).toBe("internal_error");
  });

  it("over HTTP: a stalled body (408), an aborted one, then a delivery that still succeeds", async () => {
    const receiver = receiverWith({ bodyTimeoutMs: 200 });
    const url = await listen(http.createServer(createNodeHandler(receiver)), "/hooks");
    const { headers, rawBody } = await signed(markedEvent());
    const stalled = await new Promise<{ status: number; headers: Record<string, string>; body: string }>(
      (resolve, reject) => {
        const req = http.request(
          url,
          { method: "POST", headers: { ...headers, "content-length": String(rawBody.length) }, agent: false },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => {
              text += c.toString();
            });
            res.on("end", () => {
              req.destroy();
              resolve({
                status: res.statusCode ?? 0,
                headers: res.headers as Record<string, string>,
                body: text,
              });
            });
          },
        );
        req.on("error", reject);
        req.write(rawBody.subarray(0, rawBody.length - 10)); // every marker but the tail, then silence
      },
    );
    expect(answer("408", stalled)).toBe("body_timeout");
    const aborted = http.request(url, {
      method: "POST",
      headers: { ...headers, "content-length": String(rawBody.length) },
      agent: false,
    });
    aborted.on("error", () => {});
    aborted.write(rawBody.subarray(0, rawBody.length - 10));
    await sleep(50);
    aborted.destroy();
    await sleep(100);
    const ok = await send(url, { headers, body: rawBody });
    expect(answer("200 after abort", { status: ok.status, headers: ok.headers, body: ok.text })).toBe("200");
  });

  it("nothing collected contains a payload marker; every row was seen and the scan can find a leak", () => {
    for (const line of logger.lines) collect(`log ${line.level}: ${line.msg}`, line);
    for (const error of onErrors) collect("onError", error);
    const leaks = texts.flatMap(([where, text]) => findLeaks(text, needles, where));
    expect(leaks).toEqual([]);
    for (const row of [
      "missing_signature",
      "invalid_signature",
      "invalid_payload",
      "payload_too_large",
      "200",
      "202",
      "in_progress",
      "handler_failed",
      "store_unavailable",
      "internal_error",
      "body_timeout",
    ])
      expect(seen.has(row), `row ${row}`).toBe(true);
    expect(onErrors.map((e) => (e as { code?: string }).code)).toEqual(
      expect.arrayContaining(["handler_failed", "store_unavailable"]),
    );
    // The probes: the payload itself, one marker in a logged object, a marker's hex form.
    expect(findLeaks(serializeDeep({ body: markedEvent() }), needles, "probe")).not.toEqual([]);
    expect(
      findLeaks(serializeDeep(new Error("x", { cause: { v: MARK.invalid } })), needles, "probe"),
    ).not.toEqual([]);
    expect(findLeaks(Buffer.from(MARK.middle).toString("hex"), needles, "probe")).not.toEqual([]);
  });
});
