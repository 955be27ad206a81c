import { createReceiver, isWebhookError } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import * as edgeEntry from "../../packages/next/src/edge.js";
import { eulabel } from "../support/deliveries.js";

// Everything that needs a request runs against real `next start` (next-conformance.slow.test.ts and
// next-e2e.slow.test.ts); this file holds what needs no server.

describe("@webhook-kit/next: the Edge entry", () => {
  it("refuses webhookApiRoute with a message that points to webhookRoute", () => {
    const receiver = createReceiver({ provider: eulabel() });
    let thrown: unknown;
    try {
      edgeEntry.webhookApiRoute(receiver);
    } catch (error) {
      thrown = error;
    }
    expect(isWebhookError(thrown) && thrown.code).toBe("invalid_config");
    expect(String(thrown)).toMatch(/webhookRoute/);
  });
});
