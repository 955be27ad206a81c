import { claimLost, type WebhookError } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import type { Runtime } from "../runtime.js";

/**
 * Marks a claim done. A `false` from the store means the claim was lost (lease taken over, Redis restarted
 * without persistence, eviction): the next copy of this delivery will run again, so it is reported.
 */
export async function completeClaim(rt: Runtime, event: WebhookEvent, token: string): Promise<void> {
  const { store, retentionMs } = rt.settings;
  try {
    const owned = await rt.storeCall("complete", (deadline) =>
      store.complete(event.id, token, { retentionMs, deadline }),
    );
    if (!owned) rt.report(claimLost(event.id), event, "warn");
  } catch (error) {
    rt.report(error as WebhookError, event);
  }
}

/** Forgets a failed attempt so the sender's retry runs it again. False when that could not be done. */
export function releaseClaim(rt: Runtime, key: string, token: string): Promise<boolean> {
  return rt
    .storeCall("release", (deadline) => rt.settings.store.release(key, token, { deadline }))
    .then(
      (owned) => owned,
      () => false,
    );
}
