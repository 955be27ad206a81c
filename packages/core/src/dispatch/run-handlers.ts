import { handlerTimeout } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import { isThenable, type MaybePromise } from "../maybe.js";
import type { Route } from "../router.js";
import type { Ticker } from "../ticker.js";

export interface HandlerFailure {
  id: string;
  error: unknown;
}

/**
 * Runs routes concurrently within one shared `timeoutMs` (they start together, so one timer serves all);
 * a handler that has not settled by then fails with handler_timeout (it cannot be stopped, but it no longer
 * holds the delivery). `onSuccess` hears of each success as it happens, so a durable job can record it
 * before the others finish. When every handler returns a non-promise, the failures come back at once: no
 * promise, no timer.
 */
export function runRoutes(
  routes: readonly Route[],
  event: WebhookEvent,
  ticker: Ticker,
  timeoutMs: number,
  onSuccess?: (id: string) => void,
): MaybePromise<HandlerFailure[]> {
  const startedAt = performance.now();
  const failures: HandlerFailure[] = [];
  const pending: [Route, PromiseLike<unknown>][] = [];
  for (const route of routes) {
    try {
      const result = route.handler(event);
      if (isThenable(result)) pending.push([route, result]);
      else onSuccess?.(route.id);
    } catch (error) {
      failures.push({ id: route.id, error });
    }
  }
  if (pending.length === 0) return failures;
  return new Promise((resolve) => {
    let left = pending.length;
    const settled = pending.map(() => false);
    // Counted from when the handlers started, as if the timer had been set before calling them.
    const timer = ticker.after(timeoutMs - (performance.now() - startedAt), () => {
      pending.forEach(([route], i) => {
        if (settled[i]) return;
        settled[i] = true;
        failures.push({ id: route.id, error: handlerTimeout(route.id, event.type, timeoutMs) });
      });
      left = 0;
      resolve(failures);
    });
    pending.forEach(([route, result], i) => {
      const finish = (failed: boolean, error?: unknown) => {
        if (settled[i]) return;
        settled[i] = true;
        if (failed) failures.push({ id: route.id, error });
        else onSuccess?.(route.id);
        if (--left === 0) {
          ticker.cancel(timer);
          resolve(failures);
        }
      };
      try {
        result.then(
          () => finish(false),
          (error: unknown) => finish(true, error),
        );
      } catch (error) {
        finish(true, error);
      }
    });
  });
}

/** One line naming the failed handlers, for logs and dead letters; never the payload. */
export function summarize(failures: readonly HandlerFailure[], total: number, type: string): string {
  const parts = failures.map(
    ({ id, error }) => `${id}: ${error instanceof Error ? error.message : String(error)}`,
  );
  const text = `${failures.length} of ${total} handler(s) for ${type} failed — ${parts.join("; ")}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
