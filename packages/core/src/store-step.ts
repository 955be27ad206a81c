import { storeUnavailable } from "./errors.js";
import type { MaybePromise } from "./maybe.js";
import type { Runtime } from "./runtime.js";
import { syncStore } from "./store/memory.js";
import type { IdempotencyStore, VersionStore } from "./store/types.js";

type StoreMethods = IdempotencyStore & VersionStore;

/**
 * What a step may call: a store's own methods, or MemoryStore's same methods as plain calls. The version
 * methods exist only where `ordering` checked at start that the store has them.
 */
export type StoreOps = {
  [M in "claim" | "complete" | "release" | "renew" | "latestVersion" | "advanceVersion"]: (
    ...args: Parameters<StoreMethods[M]>
  ) => MaybePromise<Awaited<ReturnType<StoreMethods[M]>>>;
};

/**
 * One store call. MemoryStore answers at once, so it is called directly (a failure, e.g. full, still becomes
 * 503 store_unavailable); every other store goes through `rt.storeCall` and its time limit.
 */
export function storeStep<T>(
  rt: Runtime,
  what: string,
  op: (store: StoreOps, deadline: number | undefined) => MaybePromise<T>,
): MaybePromise<T> {
  const now = syncStore(rt.settings.store);
  // The store's methods return promises: `op` returns what they return.
  if (!now) {
    const store = rt.settings.store as unknown as StoreOps;
    return rt.storeCall(what, (deadline) => op(store, deadline) as Promise<T>);
  }
  try {
    return op(now, undefined);
  } catch (cause) {
    rt.telemetry.storeError(what);
    throw storeUnavailable(cause);
  }
}
