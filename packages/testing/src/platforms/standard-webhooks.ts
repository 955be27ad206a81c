import { providers } from "@webhook-kit/core";
import { definePlatform } from "./define.js";
import { isoSeconds } from "./values.js";

/** Standard Webhooks' payload convention `{ type, timestamp, data }`; the preset routes any type. */
const fixtures = {
  "invoice.paid": {
    type: "invoice.paid",
    timestamp: "2024-01-15T10:30:00Z",
    data: { id: "in_123", amount: 1200 },
  },
};

const svixStyle = {
  userAgent: "Svix-Webhooks/1.0 (webhook-kit testing)",
  // webhook-id / -timestamp / -signature come from the scheme's sign(); every attempt is signed anew.
  resignEachAttempt: true,
  // Keyed by a header id that every send makes anew (webhook-id); the body's time moves on.
  fresh: (payload: Record<string, unknown>, now: number) =>
    "timestamp" in payload ? { ...payload, timestamp: isoSeconds(now) } : payload,
  fixtures,
};

/** Standard Webhooks, sent by Svix's code: `webhook-*` headers. */
export const standardWebhooks = definePlatform({
  name: "standard-webhooks",
  preset: "standardWebhooks",
  create: (secret) => providers.standardWebhooks({ secret }),
  createSigning: (privateKey) => providers.standardWebhooks({ privateKey }),
  ...svixStyle,
});

/** The same preset with Svix's own header family (`svix-*`). */
export const svix = definePlatform({
  name: "svix",
  preset: "standardWebhooks",
  create: (secret) => providers.standardWebhooks({ secret, headers: "svix" }),
  createSigning: (privateKey) => providers.standardWebhooks({ privateKey, headers: "svix" }),
  ...svixStyle,
});
