import type { Runtime } from "./runtime.js";

/**
 * At `work()` start: names the handlers whose success cannot be told apart across deploys, so it is never
 * recorded and they run again (their type's unit) whenever their job runs again. Silent when there are none.
 */
export function warnUnstableHandlers(rt: Runtime): void {
  const unstable = rt.router.unstable();
  if (unstable.length === 0) return;
  rt.settings.logger.warn(
    { provider: rt.settings.provider.name, handlers: unstable },
    `handlers without a stable id: their success is never recorded (nothing tells them apart across deploys), so they run again whenever their job runs again — a retry after another handler failed, a replay. Give each an id — receiver.on(type, handler, { id: "send-receipt" }) — or a unique function name of 3+ characters (keep names when minifying): ${unstable.join("; ")}`,
  );
}
