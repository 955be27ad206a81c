import http from "node:http";
import type { AddressInfo } from "node:net";
import { BullMQQueue } from "@webhook-kit/bullmq";
import {
  createReceiver,
  type DeliveryQueue,
  MemoryQueue,
  MemoryStore,
  type QueueStatus,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { afterEach, describe, expect, it } from "vitest";
import { uniqueQueueName } from "../support/bullmq.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { freePort } from "../support/redis.js";
import { createSdk, points, valueAt } from "./sdk.js";

// An attack pass: with the queue's Redis down, deliveries got 503 store_unavailable but nothing an alert
// watches moved (enqueue failures were not store errors), and every scrape waited ~2 s on queue.status().

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function sdk() {
  const made = createSdk();
  cleanups.push(() => made.shutdown());
  return made;
}

async function serve(receiver: Parameters<typeof createNodeHandler>[0]): Promise<string> {
  const server = http.createServer(createNodeHandler(receiver));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

/** A receiver on `queue` reporting to `otel`; `options` adds to it (a queue time limit). */
function queuedReceiver(
  queue: DeliveryQueue,
  otel: ReturnType<typeof sdk>,
  options: { queueTimeoutMs?: number } = {},
) {
  return createReceiver({
    provider: eulabel(),
    store: new MemoryStore(),
    queue,
    ...options,
    logger: false,
    telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
  });
}

/** One queued delivery: the receiver's instruments exist from its first delivery on. */
async function deliverTo(receiver: Parameters<typeof createNodeHandler>[0]): Promise<void> {
  const { body, headers } = await signedDelivery(passportEvent());
  expect((await send(await serve(receiver), { body, headers })).status).toBe(202);
}

/** A queue whose `status()` never answers: a Redis that accepts the connection and then says nothing. */
class SilentStatusQueue extends MemoryQueue {
  calls = 0;
  override status(): Promise<QueueStatus> {
    this.calls += 1;
    return new Promise(() => {});
  }
}

describe("a queue outage is visible to the shipped alerts, and scrapes stay fast", () => {
  it("an enqueue that fails is a store error (operation enqueue) and a store_unavailable delivery", async () => {
    const otel = sdk();
    // Nothing listens on this port: the queue's Redis is down.
    const queue = new BullMQQueue({
      connection: `redis://127.0.0.1:${await freePort()}`,
      name: uniqueQueueName("outage"),
      onError: () => {},
    });
    cleanups.push(() => queue.close());
    const receiver = queuedReceiver(queue, otel, { queueTimeoutMs: 300 });
    const url = await serve(receiver);
    const { body, headers } = await signedDelivery(passportEvent());
    const answer = await send(url, { body, headers });
    expect(answer.status).toBe(503);
    const metrics = await otel.metrics();
    expect(valueAt(metrics, "webhook.store.errors", { "webhook.store.operation": "enqueue" })).toBe(1);
    expect(valueAt(metrics, "webhook.deliveries", { "webhook.outcome": "store_unavailable" })).toBe(1);
    // The down queue's counts are not reported as zeros that look healthy.
    expect(points(metrics, "webhook.queue.jobs")).toEqual([]);
  });

  it("a queue whose status() never answers: every collection still completes, without its gauges, one read in flight", async () => {
    const otel = sdk();
    const queue = new SilentStatusQueue();
    cleanups.push(() => queue.close());
    await deliverTo(queuedReceiver(queue, otel));
    // Unbounded, the first collection would never resolve (the test would time out here).
    for (let i = 0; i < 3; i++) {
      const metrics = await otel.metrics();
      expect(points(metrics, "webhook.queue.jobs")).toEqual([]);
      expect(points(metrics, "webhook.queue.oldest_age")).toEqual([]);
    }
    expect(queue.calls, "a read still pending is not started again").toBe(1);
  });

  it("a queue that answers: its counts are reported, and reused by a scrape right after", async () => {
    const otel = sdk();
    const queue = new MemoryQueue();
    cleanups.push(() => queue.close());
    let reads = 0;
    const status = queue.status.bind(queue);
    queue.status = () => {
      reads += 1;
      return status();
    };
    await deliverTo(queuedReceiver(queue, otel));
    const first = await otel.metrics();
    expect(valueAt(first, "webhook.queue.jobs", { "webhook.queue.state": "waiting" })).toBe(1);
    const second = await otel.metrics();
    expect(valueAt(second, "webhook.queue.jobs", { "webhook.queue.state": "dead" })).toBe(0);
    expect(reads).toBe(1);
  });
});
