import type { WebhookEvent } from "../events.js";
import { chain, type MaybePromise, settle } from "../maybe.js";
import type { Runtime } from "../runtime.js";
import { storeStep } from "../store-step.js";
import type { OrderingTarget, Unordered } from "./resolve.js";

/**
 * The stale-event guard, shared by inline dispatch and the worker. One event: `orderingOf` names its entity
 * and version; `latestIfStale` (before the handlers) answers the entity's latest applied version when this
 * one is older; `recordApplied` (after they succeeded) advances it, never backwards. Equal versions run.
 */
export function orderingOf(rt: Runtime, event: WebhookEvent): OrderingTarget | undefined {
  const found = rt.settings.ordering?.target(event);
  return found === undefined ? undefined : versioned(rt, event, found);
}

/** The guardable target of an event whose entity is known; a version that cannot be compared is logged. */
export function versioned(
  rt: Runtime,
  event: WebhookEvent,
  found: OrderingTarget | NonNullable<Unordered>,
): OrderingTarget | undefined {
  if ("version" in found) return found;
  // A missing version is the payload's business (its schema); one that cannot be compared is said once here.
  if (found.unversioned === undefined) return undefined;
  // Never lose the event: it runs unguarded, and nothing is recorded for it.
  rt.settings.logger.warn(
    { provider: rt.settings.provider.name, type: event.type, id: event.id },
    "event version is neither a number nor an ISO-8601 timestamp with an offset; it runs without the stale-event guard",
  );
  return undefined;
}

/** The latest applied version when `target` is older than it, else undefined. Rejects/throws 503 store_unavailable. */
export function latestIfStale(rt: Runtime, target: OrderingTarget): MaybePromise<number | undefined> {
  return chain(
    storeStep(rt, "latestVersion", (store, deadline) => store.latestVersion(target.entity, { deadline })),
    (latest) => (latest !== undefined && latest > target.version ? latest : undefined),
  );
}

/** Logs the skipped event and tells `onStale`; never throws. */
export function reportStale(rt: Runtime, event: WebhookEvent, target: OrderingTarget, latest: number): void {
  const { logger, provider, ordering } = rt.settings;
  logger.info(
    {
      provider: provider.name,
      type: event.type,
      id: event.id,
      entity: target.entity,
      version: target.version,
      latest,
    },
    "stale event: an older version than the entity's last applied one; acknowledged without running handlers",
  );
  try {
    ordering?.onStale?.(event, { entity: target.entity, latest, version: target.version });
  } catch (error) {
    logger.error({ err: error }, "onStale threw");
  }
}

/**
 * Records `target` as applied (max semantics) once the handlers succeeded. Never throws nor rejects: a failure
 * is reported (the event did run; only the guard against an older copy is weaker for this entity).
 */
export function recordApplied(rt: Runtime, event: WebhookEvent, target: OrderingTarget): MaybePromise<void> {
  const retentionMs = rt.settings.ordering?.retentionMs ?? rt.settings.retentionMs;
  return settle(
    () =>
      storeStep(rt, "advanceVersion", (store, deadline) =>
        store.advanceVersion(target.entity, target.version, { retentionMs, deadline }),
      ),
    () => undefined,
    (error: unknown) =>
      rt.settings.logger.warn(
        {
          provider: rt.settings.provider.name,
          type: event.type,
          id: event.id,
          entity: target.entity,
          err: error,
        },
        "could not record the applied version; an older copy of this entity's events could still run",
      ),
  );
}
