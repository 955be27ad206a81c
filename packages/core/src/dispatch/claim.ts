import { claimLost, type WebhookError } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import { type MaybePromise, settle } from "../maybe.js";
import type { Runtime } from "../runtime.js";
import { storeStep } from "../store-step.js";

/**
 * Marks a claim done. A `false` from the store means the claim was lost (lease taken over, Redis restarted
 * without persistence, eviction): the next copy of this delivery will run again, so it is reported.
 * Never throws nor rejects; settles at once with MemoryStore.
 */
export function completeClaim(rt: Runtime, event: WebhookEvent, token: string): MaybePromise<void> {
  const { retentionMs } = rt.settings;
  return settle(
    () =>
      storeStep(rt, "complete", (store, deadline) =>
        store.complete(event.id, token, { retentionMs, deadline }),
      ),
    (owned) => {
      if (!owned) rt.report(claimLost(event.id), event, "warn");
    },
    (error) => rt.report(error as WebhookError, event),
  );
}

/** Forgets a failed attempt so the sender's retry runs it again. False when that could not be done. */
export function releaseClaim(rt: Runtime, key: string, token: string): MaybePromise<boolean> {
  return settle(
    () => storeStep(rt, "release", (store, deadline) => store.release(key, token, { deadline })),
    (owned) => owned,
    () => false,
  );
}
