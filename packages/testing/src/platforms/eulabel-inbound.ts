import { providers } from "@webhook-kit/core";
import { definePlatform, present } from "./define.js";
import { newTimestamp } from "./values.js";

/** A PIM/CMS pushing items to EUlabel (its inbound webhooks overview). */
export const eulabelInbound = definePlatform({
  name: "eulabel-inbound",
  preset: "eulabelInbound",
  create: (secret) => providers.eulabelInbound({ secret }),
  userAgent: "webhook-kit-testing/0.1 (PIM/CMS push)",
  // No schedule is documented for inbound pushes: the preset assumes EUlabel's own.
  assumed: { retrySchedule: true },
  headers: (payload) => present("x-webhook-event", payload.event, payload.type),
  fresh: newTimestamp,
  /** Invented: EUlabel's overview names item.create / item.update but shows no payload. */
  fixtures: {
    "item.create": {
      event: "item.create",
      id: "item_42",
      gtin: "05601234567890",
      timestamp: "2026-03-25T09:59:00Z",
      data: { name: "Vinho Verde DOC 2024", alcohol: 11.5 },
    },
    "item.update": {
      event: "item.update",
      id: "item_42",
      gtin: "05601234567890",
      timestamp: "2026-03-25T10:04:00Z",
      data: { name: "Vinho Verde DOC 2024", alcohol: 11.5, allergens: ["sulphites"] },
    },
  },
});
