import http from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { createReceiver, MemoryQueue, MemoryStore, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { createSdk, points, type Sdk, valueAt } from "./sdk.js";

// Spans and metric points through the real OpenTelemetry SDK (in-memory exporter, manual reader), for
// real deliveries over HTTP. Providers are passed explicitly: nothing global leaks between tests.

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function sdk(): Sdk {
  const made = createSdk();
  cleanups.push(() => made.shutdown());
  return made;
}

/** A real HTTP server; `around` runs the listener inside a span as the HTTP instrumentation would. */
async function serve(receiver: ReceiverCore, around?: Sdk): Promise<string> {
  const listener = createNodeHandler(receiver);
  const server = http.createServer((req, res) => {
    if (!around) return listener(req, res);
    const tracer = around.tracerProvider.getTracer("fake-http-instrumentation");
    tracer.startActiveSpan("POST", { kind: SpanKind.SERVER }, (span) => {
      res.on("finish", () => span.end());
      listener(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

async function deliver(url: string, payload = passportEvent()) {
  const { body, headers } = await signedDelivery(payload);
  return send(url, { body, headers });
}

function receiverWith(
  telemetry: Sdk,
  extra: { queue?: MemoryQueue; logger?: object; ordering?: boolean } = {},
) {
  return createReceiver({
    provider: eulabel(),
    store: new MemoryStore(),
    logger: false,
    ...extra,
    telemetry: { tracerProvider: telemetry.tracerProvider, meterProvider: telemetry.meterProvider },
  } as Parameters<typeof createReceiver>[0]);
}

describe("telemetry: inline deliveries", () => {
  it("a handled delivery: a SERVER span (no HTTP span active), a child span per handler, and its metrics", async () => {
    const otel = sdk();
    const receiver = receiverWith(otel);
    receiver.on("passport.published", async () => {}, { id: "send-receipt" });
    const url = await serve(receiver);
    const payload = passportEvent();
    expect((await deliver(url, payload)).status).toBe(200);

    const delivery = otel.span("webhook eulabel");
    expect(delivery.kind).toBe(SpanKind.SERVER);
    expect(delivery.attributes).toMatchObject({
      "webhook.provider": "eulabel",
      "webhook.event.type": "passport.published",
      "webhook.outcome": "handled",
    });
    expect(String(delivery.attributes["webhook.delivery.id"])).toMatch(/^eulabel:/);
    expect(delivery.attributes["error.type"]).toBeUndefined();
    const handler = otel.span("handler send-receipt");
    expect(handler.kind).toBe(SpanKind.INTERNAL);
    expect(handler.parentSpanContext?.spanId).toBe(delivery.spanContext().spanId);
    expect(handler.attributes).toMatchObject({
      "webhook.handler.id": "send-receipt",
      "webhook.event.type": "passport.published",
    });

    const metrics = await otel.metrics();
    const handled = { "webhook.provider": "eulabel", "webhook.outcome": "handled" };
    expect(valueAt(metrics, "webhook.deliveries", handled)).toBe(1);
    expect(valueAt(metrics, "webhook.ack.duration", handled)).toBe(1);
    expect(
      valueAt(metrics, "webhook.handler.duration", {
        "webhook.handler.id": "send-receipt",
        "webhook.event.type": "passport.published",
      }),
    ).toBe(1);
    expect(valueAt(metrics, "webhook.delivery.lag", { "webhook.event.type": "passport.published" })).toBe(1);
    expect(points(metrics, "webhook.dead_letters")).toEqual([]);
  });

  it("inside an active HTTP server span: one INTERNAL child span, never a second SERVER span", async () => {
    const otel = sdk();
    const receiver = receiverWith(otel);
    receiver.on("passport.published", () => {}, { id: "noop" });
    const url = await serve(receiver, otel);
    expect((await deliver(url)).status).toBe(200);
    const server = otel.span("POST");
    const delivery = otel.span("webhook eulabel");
    expect(delivery.kind).toBe(SpanKind.INTERNAL);
    expect(delivery.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(otel.spans().filter((s) => s.kind === SpanKind.SERVER)).toHaveLength(1);
  });

  it("a duplicate is its own span and point with outcome duplicate; its handler does not run again", async () => {
    const otel = sdk();
    const receiver = receiverWith(otel);
    let runs = 0;
    receiver.on("passport.published", () => void runs++, { id: "count" });
    const url = await serve(receiver);
    const { body, headers } = await signedDelivery(passportEvent());
    expect((await send(url, { body, headers })).status).toBe(200);
    const second = await send(url, { body, headers });
    expect(second.json).toEqual({ received: true, duplicate: true });
    expect(runs).toBe(1);
    const outcomes = otel
      .spans()
      .filter((s) => s.name === "webhook eulabel")
      .map((s) => s.attributes["webhook.outcome"]);
    expect(outcomes).toEqual(["handled", "duplicate"]);
    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.deliveries", { "webhook.outcome": "duplicate" })).toBe(1);
    expect(valueAt(metrics, "webhook.deliveries", { "webhook.outcome": "handled" })).toBe(1);
  });

  it("a forged signature: outcome and error.type invalid_signature, error status, no handler span", async () => {
    const otel = sdk();
    const receiver = receiverWith(otel);
    receiver.on("passport.published", () => {}, { id: "never" });
    const url = await serve(receiver);
    const { body, headers } = await signedDelivery(passportEvent(), "whsec_not_the_real_secret");
    expect((await send(url, { body, headers })).status).toBe(401);
    const delivery = otel.span("webhook eulabel");
    expect(delivery.attributes).toMatchObject({
      "webhook.outcome": "invalid_signature",
      "error.type": "invalid_signature",
    });
    expect(delivery.status.code).toBe(SpanStatusCode.ERROR);
    // Refused before parsing: the type and key are never read from a body nobody signed.
    expect(delivery.attributes["webhook.event.type"]).toBeUndefined();
    expect(otel.spans().map((s) => s.name)).toEqual(["webhook eulabel"]);
    // No secret and no expected signature on the span.
    expect(JSON.stringify(delivery.attributes) + JSON.stringify(delivery.events)).not.toMatch(
      /whsec|sha256=/,
    );
    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.deliveries", { "webhook.outcome": "invalid_signature" })).toBe(1);
    expect(valueAt(metrics, "webhook.ack.duration", { "webhook.outcome": "invalid_signature" })).toBe(1);
  });

  it("a failing handler: its span records the exception; the delivery's outcome is handler_failed", async () => {
    const otel = sdk();
    const receiver = receiverWith(otel);
    receiver.on("passport.published", () => {}, { id: "fine" });
    receiver.on(
      "passport.published",
      async () => {
        throw new TypeError("mailer down");
      },
      { id: "mailer" },
    );
    const url = await serve(receiver);
    expect((await deliver(url)).status).toBe(500);
    const failed = otel.span("handler mailer");
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.attributes["error.type"]).toBe("TypeError");
    const exception = failed.events.find((e) => e.name === "exception");
    expect(exception?.attributes?.["exception.message"]).toBe("mailer down");
    expect(otel.span("handler fine").status.code).toBe(SpanStatusCode.UNSET);
    expect(otel.span("webhook eulabel").attributes).toMatchObject({
      "webhook.outcome": "handler_failed",
      "error.type": "handler_failed",
    });
    const metrics = await otel.metrics();
    expect(
      valueAt(metrics, "webhook.handler.duration", {
        "webhook.handler.id": "mailer",
        "error.type": "TypeError",
      }),
    ).toBe(1);
    const fine = points(metrics, "webhook.handler.duration").find(
      (p) => p.attributes["webhook.handler.id"] === "fine",
    );
    expect(fine?.attributes["error.type"]).toBeUndefined();
    // Not every handler done: no lag point.
    expect(points(metrics, "webhook.delivery.lag")).toEqual([]);
  });

  it("log lines carry trace_id and span_id of the active span (pino's field names)", async () => {
    const otel = sdk();
    const lines: Record<string, unknown>[] = [];
    const capture = (obj: object) => lines.push(obj as Record<string, unknown>);
    const logger = { debug: capture, info: capture, warn: capture, error: capture };
    const receiver = receiverWith(otel, { logger });
    receiver.on("passport.published", () => {}, { id: "noop" });
    const url = await serve(receiver);
    await deliver(url);
    const delivery = otel.span("webhook eulabel");
    const handledLine = lines.find((l) => l.trace_id !== undefined);
    expect(handledLine).toMatchObject({
      trace_id: delivery.spanContext().traceId,
      span_id: delivery.spanContext().spanId,
      trace_flags: "01",
    });
    // Outside a span: no fields.
    const before = lines.length;
    receiver.logger?.warn({ probe: true }, "outside");
    expect(lines[before]).toEqual({ probe: true });
  });

  it("telemetry: false records nothing even with an SDK at hand", async () => {
    const otel = sdk();
    const receiver = createReceiver({ provider: eulabel(), logger: false, telemetry: false });
    receiver.on("passport.published", () => {});
    const url = await serve(receiver, otel);
    expect((await deliver(url)).status).toBe(200);
    expect(otel.spans().map((s) => s.name)).toEqual(["POST"]);
    expect(trace.getActiveSpan()).toBeUndefined();
  });

  it("refuses a telemetry option that is not a provider, with the fix", () => {
    expect(() => createReceiver({ provider: eulabel(), telemetry: { tracerProvider: {} as never } })).toThrow(
      /telemetry.tracerProvider must be an OpenTelemetry TracerProvider/,
    );
    expect(() => createReceiver({ provider: eulabel(), telemetry: { meterProvder: {} } as never })).toThrow(
      /unknown option "meterProvder"/,
    );
  });
});

describe("telemetry: a queue in this process (MemoryQueue)", () => {
  it("queued, then a dead letter: CONSUMER span in the receiving span's trace, dead_letters, queue gauges", async () => {
    const otel = sdk();
    const queue = new MemoryQueue();
    cleanups.push(() => queue.close());
    const receiver = receiverWith(otel, { queue });
    receiver.on(
      "passport.published",
      () => {
        throw new Error("always fails");
      },
      { id: "doomed" },
    );
    const url = await serve(receiver);
    const answer = await deliver(url);
    expect(answer.json).toEqual({ received: true, status: "queued" });
    const receiving = otel.span("webhook eulabel");
    expect(receiving.attributes["webhook.outcome"]).toBe("queued");

    const worker = receiver.work({ attempts: 1 });
    cleanups.push(() => worker.close());
    const deadline = Date.now() + 20_000;
    while (!otel.spans().some((s) => s.name === "process eulabel")) {
      if (Date.now() > deadline) throw new Error("the worker never ran the job");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const consumer = otel.span("process eulabel");
    expect(consumer.kind).toBe(SpanKind.CONSUMER);
    expect(consumer.spanContext().traceId).toBe(receiving.spanContext().traceId);
    expect(consumer.parentSpanContext?.spanId).toBe(receiving.spanContext().spanId);
    expect(consumer.links.map((l) => l.context.spanId)).toEqual([receiving.spanContext().spanId]);
    expect(consumer.attributes).toMatchObject({
      "messaging.system": "webhook_kit",
      "messaging.operation.type": "process",
      "messaging.message.id": receiving.attributes["webhook.delivery.id"],
      "event.attempt": 1,
      "webhook.outcome": "dead",
      "webhook.dead_letter.reason": "attempts_exhausted",
    });
    expect(consumer.status.code).toBe(SpanStatusCode.ERROR);
    expect(otel.span("handler doomed").parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);

    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.deliveries", { "webhook.outcome": "queued" })).toBe(1);
    expect(
      valueAt(metrics, "webhook.dead_letters", { "webhook.dead_letter.reason": "attempts_exhausted" }),
    ).toBe(1);
    expect(valueAt(metrics, "webhook.queue.jobs", { "webhook.queue.state": "dead" })).toBe(1);
    expect(valueAt(metrics, "webhook.queue.jobs", { "webhook.queue.state": "waiting" })).toBe(0);
  });

  it("a queued delivery handled by the worker records its lag (wait included)", async () => {
    const otel = sdk();
    const queue = new MemoryQueue();
    cleanups.push(() => queue.close());
    const receiver = receiverWith(otel, { queue });
    let ran = false;
    receiver.on(
      "passport.published",
      () => {
        ran = true;
      },
      { id: "ok" },
    );
    const url = await serve(receiver);
    await deliver(url);
    const worker = receiver.work();
    cleanups.push(() => worker.close());
    const deadline = Date.now() + 20_000;
    while (!otel.spans().some((s) => s.name === "process eulabel")) {
      if (Date.now() > deadline) throw new Error("the worker never ran the job");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(ran).toBe(true);
    expect(otel.span("process eulabel").attributes["webhook.outcome"]).toBe("completed");
    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.delivery.lag", { "webhook.event.type": "passport.published" })).toBe(1);
  });
});

describe("telemetry: a job's stored trace context", () => {
  it("a malformed or all-zero traceparent is ignored: the job's span starts its own trace, unlinked", async () => {
    const otel = sdk();
    const queue = new MemoryQueue();
    cleanups.push(() => queue.close());
    // Ordering off: these jobs skip the receiver, and the per-entity guard is not what is tested here.
    const receiver = receiverWith(otel, { queue, ordering: false });
    receiver.on("passport.published", () => {}, { id: "ok" });
    const job = (id: string) => ({
      provider: "eulabel",
      type: "passport.published",
      body: JSON.stringify(passportEvent("passport.published", { id })),
      headers: {},
      receivedAt: Date.now(),
    });
    await queue.enqueue({ ...job("ps_a"), key: "eulabel:garbage", trace: { traceparent: "00-not-a-trace" } });
    await queue.enqueue({
      ...job("ps_b"),
      key: "eulabel:zeros",
      trace: { traceparent: `00-${"0".repeat(32)}-${"0".repeat(16)}-01` },
    });
    const worker = receiver.work();
    cleanups.push(() => worker.close());
    const deadline = Date.now() + 20_000;
    while (otel.spans().filter((s) => s.name === "process eulabel").length < 2) {
      if (Date.now() > deadline) throw new Error("the worker did not run both jobs");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    for (const span of otel.spans().filter((s) => s.name === "process eulabel")) {
      expect(span.links).toEqual([]);
      expect(span.parentSpanContext).toBeUndefined();
      expect(span.spanContext().traceId).not.toBe("0".repeat(32));
      expect(span.attributes["webhook.outcome"]).toBe("completed");
    }
  });
});
