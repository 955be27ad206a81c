import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver } from "@webhook-kit/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { uniqueQueueName } from "../support/bullmq.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { freePort, startPrivateRedis } from "../support/redis.js";

describe("attack: BullMQ queue whose Redis is down when the process starts", () => {
  it("a delivery answered 503 is not written later, when Redis comes up (no unbounded in-memory backlog)", {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const name = uniqueQueueName("startup-outage");
    const queue = new BullMQQueue({ connection: url, name, onError: () => {} });
    const receiver = createReceiver({ provider: eulabel(), queue, logger: false });
    const { body, headers } = await signedDelivery(passportEvent());
    const response = await receiver.handle({ method: "POST", headers, rawBody: body });
    expect(response.status).toBe(503); // refused: the sender keeps the event and retries
    const redis = await startPrivateRedis({ port });
    const client = new Redis(url);
    try {
      await new Promise((r) => setTimeout(r, 3_000)); // the producer reconnects within ~1 s
      const keys = await client.keys(`bull:${name}:*`);
      // Observed: the job of the refused delivery appears (bull:<name>:eulabel%3Apassport.published%3A…):
      // the timed-out enqueue kept waiting for the connection and wrote when Redis came up.
      expect(keys.filter((k) => k.includes("eulabel%3A"))).toEqual([]);
    } finally {
      client.disconnect();
      await queue.close();
      await redis.stop();
    }
  });
});
