import { metrics, trace } from "@opentelemetry/api";
import { createReceiver, MemoryQueue, type QueuedDelivery, type ReceiverCore } from "@webhook-kit/core";
import { afterAll, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { createSdk, valueAt } from "./sdk.js";

// The default: the global providers, looked up per delivery. This file registers them globally (vitest runs
// each file in its own worker), after the receiver was created, as an app that starts its SDK late does.

/** Keeps what each enqueue was given, to see what a job carries. */
class RecordingQueue extends MemoryQueue {
  readonly enqueued: QueuedDelivery[] = [];
  override enqueue(delivery: QueuedDelivery) {
    this.enqueued.push(delivery);
    return super.enqueue(delivery);
  }
}

const otel = createSdk();
const queue = new RecordingQueue();
afterAll(async () => {
  await queue.close();
  await otel.shutdown();
});

const handle = async (receiver: ReceiverCore) => {
  const { body, headers } = await signedDelivery(passportEvent());
  return receiver.handle({ method: "POST", headers, rawBody: body });
};

describe("telemetry through the global providers", () => {
  const receiver = createReceiver({ provider: eulabel(), queue, logger: false });

  it("with no SDK registered: no span, and the job carries no trace", async () => {
    expect((await handle(receiver)).status).toBe(202);
    expect(otel.spans()).toEqual([]);
    expect(queue.enqueued.at(-1)?.trace).toBeUndefined();
  });

  it("an SDK registered after createReceiver is used from the next delivery on", async () => {
    trace.setGlobalTracerProvider(otel.tracerProvider);
    metrics.setGlobalMeterProvider(otel.meterProvider);
    expect((await handle(receiver)).status).toBe(202);
    const span = otel.span("webhook eulabel");
    expect(span.attributes["webhook.outcome"]).toBe("queued");
    const { traceId, spanId } = span.spanContext();
    // Only the W3C context of the receiving span travels in the job.
    expect(queue.enqueued.at(-1)?.trace).toEqual({ traceparent: `00-${traceId}-${spanId}-01` });
    const points = await otel.metrics();
    expect(valueAt(points, "webhook.deliveries", { "webhook.outcome": "queued" })).toBe(1);
  });
});
