import { WebhookError } from "@webhook-kit/core";
import type { ReceiverSource } from "./source.js";

// The entry Edge bundles resolve (the "edge-light" export condition): it never imports
// @webhook-kit/core/node, whose stream reader cannot load on the Edge runtime.
export { type WebhookRouteOptions, webhookRoute } from "./app.js";
export type { ReceiverSource } from "./source.js";

/** Pages Router API routes run on Node.js only; in an Edge bundle this says so instead of failing obscurely. */
export function webhookApiRoute(_source: ReceiverSource): never {
  throw new WebhookError(
    "invalid_config",
    "webhookApiRoute is for Pages Router API routes on the Node.js runtime; on the Edge runtime use webhookRoute in an App Router route.",
  );
}
