import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, MemoryQueue } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { deliveryOutcome, fixtures, freshPayload, sendDelivery } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { eulabel } from "../support/deliveries.js";

describe("attack: sendDelivery / `webhook-kit send` against a queued receiver", () => {
  it("does not call a 202 queued delivery 'handled' (nothing has run yet; it may even be a parked dead letter)", async () => {
    const receiver = createReceiver({ provider: eulabel(), queue: new MemoryQueue(), logger: false });
    const server = createServer(createNodeHandler(receiver)).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const result = await sendDelivery(
        url,
        eulabel(),
        freshPayload("eulabel", fixtures.eulabel["passport.published"]),
      );
      expect(result.attempts[0]?.status).toBe(202);
      // Observed: "handled" (and the CLI prints "handled: the receiver ran its handlers … (202)").
      expect(result.outcome).not.toBe("handled");
    } finally {
      server.close();
    }
  });
});

describe("deliveryOutcome: only webhook-kit's own acknowledgement claims handlers ran", () => {
  it("a foreign {received:true} is delivered; with the webhook-kit-outcome header it is handled", () => {
    expect(deliveryOutcome(200, '{"received":true}')).toBe("delivered");
    expect(deliveryOutcome(200, '{"received":true}', "handled")).toBe("handled");
    // A header value that is not one of ours proves nothing.
    expect(deliveryOutcome(200, '{"received":true}', "ok")).toBe("delivered");
    expect(deliveryOutcome(500, "", "handled")).toBe("failed");
  });

  it("a real receiver's 200 carries the header, and sendDelivery reads it", async () => {
    const receiver = createReceiver({ provider: eulabel(), logger: false });
    receiver.on("passport.published", () => {});
    const server = createServer(createNodeHandler(receiver)).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      const payload = freshPayload("eulabel", fixtures.eulabel["passport.published"]);
      const result = await sendDelivery(url, eulabel(), payload);
      expect(result.attempts[0]?.outcomeHeader).toBe("handled");
      expect(result.outcome).toBe("handled");
    } finally {
      server.close();
    }
  });
});
