import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { newTimestamp } from "./values.js";

const MINUTE = 60_000;

/** The shipping API: the signature travels inside the body, which `sign` embeds. */
export const shipping = definePlatform({
  name: "shipping",
  preset: "shipping",
  create: (secret) => providers.shipping({ secret }),
  userAgent: "webhook-kit-testing/0.1 (shipping API)",
  // The preset states no schedule ("several times with exponential backoff"): an assumed doubling from 1 min.
  retrySchedule: [0, MINUTE, 2 * MINUTE, 4 * MINUTE, 8 * MINUTE, 16 * MINUTE],
  // Its guide gives no timeout either: the preset's 10 s is assumed.
  assumed: { timeoutMs: true, retrySchedule: true },
  fresh: newTimestamp,
  /** The shipping guide's example without its placeholder signature (signDelivery embeds the real one). */
  fixtures: {
    "shipment.created": {
      event: "shipment.created",
      data: { id: "ship_123", status: "created", created_at: "2024-01-15T10:30:00Z" },
      timestamp: "2024-01-15T10:30:00Z",
    },
    "shipment.updated": {
      event: "shipment.updated",
      data: { id: "ship_123", status: "in_transit", created_at: "2024-01-15T10:30:00Z" },
      timestamp: "2024-01-15T12:00:00Z",
    },
    "user.created": {
      event: "user.created",
      data: { id: "usr_42", email: "ops@example.com" },
      timestamp: "2024-01-15T09:00:00Z",
    },
    "user.updated": {
      event: "user.updated",
      data: { id: "usr_42", email: "logistics@example.com" },
      timestamp: "2024-01-15T09:30:00Z",
    },
  },
});
