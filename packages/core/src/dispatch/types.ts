import type { WebhookEvent } from "../events.js";
import type { MaybePromise } from "../maybe.js";
import type { ParsedDelivery } from "../parse-delivery.js";
import type { WebhookResponse } from "../types.js";

/** A verified delivery this process holds the claim of: what a dispatch strategy gets. */
export interface ClaimedDelivery {
  parsed: ParsedDelivery;
  /** The event handlers receive; `payload` is validated unless the strategy validates later (queue). */
  event: WebhookEvent;
  /** The verified body as text. */
  text: string;
  token: string;
  /** `performance.now()` when the request arrived: the ack deadline counts from here. */
  arrivedAt: number;
}

/** How a claimed delivery reaches its handlers, and what the sender hears. Never throws but WebhookErrors. */
export type Dispatch = (delivery: ClaimedDelivery) => MaybePromise<WebhookResponse>;
