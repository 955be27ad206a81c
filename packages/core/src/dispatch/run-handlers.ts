import { handlerTimeout } from "../errors.js";
import type { WebhookEvent } from "../events.js";
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
 * before the others finish. A handler that returns a non-promise settles at once, with no microtask.
 */
export function runRoutes(
  routes: readonly Route[],
  event: WebhookEvent,
  ticker: Ticker,
  timeoutMs: number,
  onSuccess?: (id: string) => void,
): Promise<HandlerFailure[]> {
  return new Promise((resolve) => {
    const failures: HandlerFailure[] = [];
    const settled = routes.map(() => false);
    let left = routes.length;
    const timer = ticker.after(timeoutMs, () => {
      routes.forEach((route, i) => {
        if (settled[i]) return;
        settled[i] = true;
        failures.push({ id: route.id, error: handlerTimeout(route.id, event.type, timeoutMs) });
      });
      left = 0;
      resolve(failures);
    });
    routes.forEach((route, i) => {
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
        const result = route.handler(event) as { then?: unknown } | undefined;
        if (result !== null && typeof result?.then === "function") {
          (result as PromiseLike<unknown>).then(
            () => finish(false),
            (error: unknown) => finish(true, error),
          );
        } else finish(false);
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
