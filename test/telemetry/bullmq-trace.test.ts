import http from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind } from "@opentelemetry/api";
import { createReceiver } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { afterAll, describe, expect, it } from "vitest";
import { redisHarness } from "../support/bullmq.js";
import { eulabel, passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { requireBuilt } from "../support/multiprocess.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";
import { runScript } from "../support/script.js";
import { createSdk, valueAt } from "./sdk.js";

// One trace from the HTTP request to the handler in another process: the receiver (this process, its own
// SDK) queues the delivery on BullMQ/Redis; a worker process with its own SDK runs it and prints its spans.

interface ChildSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: string[];
  attributes: Record<string, unknown>;
}

let redis: SharedRedis | undefined;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await redis?.release();
});

describe("telemetry across processes (BullMQ)", () => {
  it("the worker's CONSUMER span continues the receiving span's trace, linked to it", async () => {
    requireBuilt(["packages/core/dist/index.js", "packages/bullmq/dist/index.js"]);
    redis = await sharedRedis();
    const otel = createSdk();
    cleanups.push(() => otel.shutdown());
    const harness = redisHarness(redis.url);
    cleanups.push(() => harness.close());
    const { queue, name } = harness;
    const receiver = createReceiver({
      provider: eulabel(),
      queue,
      logger: false,
      telemetry: { tracerProvider: otel.tracerProvider },
    });
    const server = http.createServer(createNodeHandler(receiver));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

    const answer = await send(url, await signedDelivery(passportEvent()));
    expect(answer.json).toEqual({ received: true, status: "queued" });
    const receiving = otel.span("webhook eulabel");

    const run = await runScript(["test/fixtures/otel/traced-worker.mjs"], {
      REDIS_URL: redis.url,
      QUEUE: name,
      SECRET,
    });
    expect(run.code, run.stderr).toBe(0);
    const spans = run.summary.spans as ChildSpan[];
    const consumer = spans.find((s) => s.name === "process eulabel");
    const handler = spans.find((s) => s.name === "handler child-handler");
    expect(consumer, JSON.stringify(spans)).toBeDefined();
    expect(consumer?.kind).toBe(SpanKind.CONSUMER);
    expect(consumer?.traceId).toBe(receiving.spanContext().traceId);
    expect(consumer?.parentSpanId).toBe(receiving.spanContext().spanId);
    expect(consumer?.links).toEqual([receiving.spanContext().spanId]);
    expect(consumer?.attributes).toMatchObject({
      "messaging.system": "bullmq",
      "messaging.operation.type": "process",
      "messaging.message.id": receiving.attributes["webhook.delivery.id"],
      "event.attempt": 1,
      "webhook.outcome": "completed",
    });
    expect(handler?.traceId).toBe(receiving.spanContext().traceId);
    expect(handler?.parentSpanId).toBe(consumer?.spanId);
  }, 60_000);
});

describe("a stored job's trace field (BullMQ)", () => {
  it("a malformed trace parks the job as undecodable, counted in webhook.dead_letters", async () => {
    redis ??= await sharedRedis();
    const otel = createSdk();
    cleanups.push(() => otel.shutdown());
    const harness = redisHarness(redis.url);
    cleanups.push(() => harness.close());
    const receiver = createReceiver({
      provider: eulabel(),
      queue: harness.queue,
      logger: false,
      telemetry: { meterProvider: otel.meterProvider },
    });
    receiver.on("passport.published", () => {}, { id: "never-runs" });
    const key = "eulabel:malformed-trace";
    const body = JSON.stringify(passportEvent());
    await harness.queue.enqueue({
      key,
      provider: "eulabel",
      type: "passport.published",
      body,
      headers: {},
      receivedAt: Date.now(),
      trace: { traceparent: 42 } as never,
    });
    const worker = receiver.work();
    cleanups.push(() => worker.close());
    const deadline = Date.now() + 20_000;
    let parked: { error: string; reason?: string } | undefined;
    while (!parked) {
      if (Date.now() > deadline) throw new Error("the job was never parked");
      parked = (await harness.queue.listDeadLetters()).find((d) => d.key === key);
      if (!parked) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(parked.reason).toBe("undecodable");
    expect(parked.error).toMatch(/delivery\.trace is not/);
    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.dead_letters", { "webhook.dead_letter.reason": "undecodable" })).toBe(1);
  }, 30_000);
});
