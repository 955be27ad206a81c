import type { Runtime } from "./runtime.js";

/**
 * At `work()` start: names the handlers whose success cannot be told apart across deploys, so they run again
 * together (their type's unit) whenever a job is retried with the unit unfinished. Silent when there are none.
 */
export function warnUnstableHandlers(rt: Runtime): void {
  const unstable = rt.router.unstable();
  if (unstable.length === 0) return;
  rt.settings.logger.warn(
    { provider: rt.settings.provider.name, handlers: unstable },
    `handlers without a stable id: their progress is recorded together, so after a failure or a deploy they run again as one unit. Give each an id — receiver.on(type, handler, { id: "send-receipt" }) — or a unique function name of 3+ characters (keep names when minifying): ${unstable.join("; ")}`,
  );
}
