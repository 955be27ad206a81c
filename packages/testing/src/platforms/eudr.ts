import { providers } from "@webhook-kit/core";
import { definePlatform, present } from "./define.js";
import { newTimestamp } from "./values.js";

/** The N'entropy EUDR platform. */
export const eudr = definePlatform({
  name: "eudr",
  preset: "eudr",
  create: (secret) => providers.eudr({ secret }),
  userAgent: "EUDR-Platform-Webhook/1.0",
  headers: (payload, options) => ({
    ...present("x-webhook-event", payload.event),
    // The endpoint's id, identical on every delivery to it.
    "x-webhook-id": options.webhookId ?? "wh_abc123",
    "x-webhook-timestamp":
      typeof payload.timestamp === "string" ? payload.timestamp : new Date().toISOString(),
  }),
  fresh: newTimestamp,
  /** N'entropy's documented example; `supplier.updated` and `sync.completed` follow its envelope (their data is invented). */
  fixtures: {
    "supplier.created": {
      event: "supplier.created",
      timestamp: "2024-01-15T10:30:00.000Z",
      integrationId: "int_abc123",
      data: { externalId: "VENDOR-001", internalId: "clx..." },
    },
    "supplier.updated": {
      event: "supplier.updated",
      timestamp: "2024-01-15T11:00:00.000Z",
      integrationId: "int_abc123",
      data: { externalId: "VENDOR-001", internalId: "clx..." },
    },
    "sync.completed": {
      event: "sync.completed",
      timestamp: "2024-01-15T11:05:00.000Z",
      integrationId: "int_abc123",
      data: {},
    },
  },
});
