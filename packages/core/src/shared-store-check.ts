import type { Runtime } from "./runtime.js";
import { MemoryStore } from "./store/memory.js";

const warned = new WeakSet<Runtime>();

/**
 * A queue other processes read, ordered through a store only this process sees: each worker process then keeps
 * its own entity versions, and one can apply an old version over a newer one another process already applied.
 * Said once per receiver, at work(), where the fix (a shared store) is one option away.
 */
export function warnProcessLocalStore(rt: Runtime): void {
  const { queue, store, ordering, logger, provider } = rt.settings;
  if (!queue || queue.local === true || ordering === undefined || !(store instanceof MemoryStore)) return;
  if (warned.has(rt)) return;
  warned.add(rt);
  logger.warn(
    { provider: provider.name },
    "work(): this receiver orders events (`ordering`) over a queue other processes share, but its store is a MemoryStore that only this process sees: with 2+ worker processes an old version can be applied over a newer one, and dedupe differs per process. Pass one shared store to createReceiver in every process — store: new RedisStore({ client, prefix }) from @webhook-kit/redis (on the queue's Redis) or new PostgresStore({ pool }) from @webhook-kit/postgres.",
  );
}
