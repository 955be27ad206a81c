import type { WebhookEvent } from "../events.js";
import { settle } from "../maybe.js";
import type { JobOutcome } from "../queue/types.js";
import type { Runtime } from "../runtime.js";
import { storeStep } from "../store-step.js";
import { latestIfStale, recordApplied, reportStale, versioned } from "./guard.js";

/** What the worker does with one job under `ordering`: run it now (then `finish`), or the outcome instead. */
export interface OrderedJob {
  /** Set when the job must not run its handlers now: "wait" (its entity is busy) or "completed" (stale). */
  outcome?: JobOutcome;
  /** After the handlers: records the version when they all succeeded, and frees the entity. Never rejects. */
  finish(succeeded: boolean): Promise<void>;
}

const NOTHING: OrderedJob = { finish: async () => {} };

/** A waiting job comes back after 100–300 ms: short, and jittered so the waiters of one entity spread out. */
const waitDelay = (base = 100) => base + Math.floor(Math.random() * 200);

/**
 * Before a job's handlers: with `perEntity`, takes the entity's lease (`ordering-lock:<entity>` in the
 * idempotency store, renewed while the handlers run), so at most one job per entity runs across every worker
 * process; a job whose entity is busy waits (not a failed attempt). Then the stale check: a job older than
 * the entity's last applied version completes without running its handlers.
 */
export async function beginOrderedJob(
  rt: Runtime,
  event: WebhookEvent,
  done: readonly string[],
  perEntity: boolean,
): Promise<OrderedJob> {
  // The entity decides the lease, the version only the stale check: an event whose version cannot be
  // compared still runs alone among its entity's jobs (an attack pass ran two such jobs at once).
  const found = rt.settings.ordering?.target(event);
  if (found === undefined) return NOTHING;
  const target = versioned(rt, event, found);
  const { logger, leaseMs } = rt.settings;
  const wait = (delayMs: number): OrderedJob => ({
    outcome: { status: "wait", delayMs, done },
    finish: NOTHING.finish,
  });
  let lease: EntityLease | undefined;
  if (perEntity) {
    try {
      lease = await takeEntity(rt, `ordering-lock:${found.entity}`, leaseMs);
    } catch (err) {
      logger.warn(
        { id: event.id, entity: found.entity, err },
        "could not take the entity's lease; the job waits",
      );
      return wait(waitDelay(1_000));
    }
    if (!lease) return wait(waitDelay());
  }
  if (target === undefined) return { finish: async () => await lease?.release() };
  let latest: number | undefined;
  try {
    latest = await latestIfStale(rt, target);
  } catch (err) {
    await lease?.release();
    logger.warn(
      { id: event.id, entity: target.entity, err },
      "could not read the entity's version; the job waits",
    );
    return wait(waitDelay(1_000));
  }
  if (latest !== undefined) {
    await lease?.release();
    reportStale(rt, event, target, latest);
    return { outcome: { status: "completed", done }, finish: NOTHING.finish };
  }
  return {
    async finish(succeeded) {
      if (succeeded) await recordApplied(rt, event, target);
      await lease?.release();
    },
  };
}

interface EntityLease {
  release(): Promise<void>;
}

/** Claims `key` for `leaseMs`, renewed every third of it until released; undefined when someone holds it. */
async function takeEntity(rt: Runtime, key: string, leaseMs: number): Promise<EntityLease | undefined> {
  const claim = await storeStep(rt, "claim", (store, deadline) => store.claim(key, { leaseMs, deadline }));
  if (claim.status !== "claimed") return undefined;
  const { token } = claim;
  const renew = () => {
    timer = rt.ticker.after(leaseMs / 3, renew);
    settle(
      () => storeStep(rt, "renew", (store, deadline) => store.renew(key, token, { leaseMs, deadline })),
      () => undefined,
      (err: unknown) => rt.settings.logger.warn({ key, err }, "entity lease renewal failed"),
    );
  };
  let timer = rt.ticker.after(leaseMs / 3, renew);
  return {
    async release() {
      rt.ticker.cancel(timer);
      // A release that fails leaves the lease to expire (leaseMs): the entity's next job waits that long.
      await settle(
        () => storeStep(rt, "release", (store, deadline) => store.release(key, token, { deadline })),
        () => undefined,
        (err: unknown) => rt.settings.logger.warn({ key, err }, "could not release the entity lease"),
      );
    },
  };
}
