import { errorText } from "../error-text.js";
import { handlerTimeout } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import { isThenable, type MaybePromise } from "../maybe.js";
import type { Route } from "../router.js";
import type { HandlerObserver, HandlerProbe } from "../telemetry/types.js";
import type { Ticker } from "../ticker.js";

export interface HandlerFailure {
  id: string;
  error: unknown;
  /** For a member of a unit (routes sharing one id): which handler failed. */
  member?: string;
}

/**
 * Runs routes concurrently within one shared `timeoutMs` (they start together, so one timer serves all);
 * a handler that has not settled by then fails with handler_timeout (it cannot be stopped, but it no longer
 * holds the delivery). `onSuccess` hears of each id as soon as every route with that id succeeded (a unit of
 * handlers without ids of their own shares one), so a durable job can record it before the others finish. When every handler returns a non-promise, the failures come back at once: no
 * promise, no timer. `observe` (telemetry) sees each run start and settle, once.
 */
export function runRoutes(
  routes: readonly Route[],
  event: WebhookEvent,
  ticker: Ticker,
  timeoutMs: number,
  onSuccess?: (id: string) => void,
  observe?: HandlerObserver,
): MaybePromise<HandlerFailure[]> {
  const startedAt = performance.now();
  const failures: HandlerFailure[] = [];
  const fail = (route: Route, error: unknown, probe: HandlerProbe | undefined) => {
    probe?.end(true, error);
    failures.push(
      route.member === undefined ? { id: route.id, error } : { id: route.id, error, member: route.member },
    );
  };
  // Routes still to succeed per id: a failed one never counts down, so its id is never reported done.
  const left = new Map<string, number>();
  for (const { id } of routes) left.set(id, (left.get(id) ?? 0) + 1);
  const succeeded = (id: string, probe: HandlerProbe | undefined) => {
    probe?.end(false);
    const count = (left.get(id) ?? 1) - 1;
    left.set(id, count);
    if (count === 0) onSuccess?.(id);
  };
  const pending: [Route, PromiseLike<unknown>, HandlerProbe | undefined][] = [];
  for (const route of routes) {
    const probe = observe?.(route, event);
    try {
      const result = probe ? probe.run(() => route.handler(event)) : route.handler(event);
      if (isThenable(result)) pending.push([route, result, probe]);
      else succeeded(route.id, probe);
    } catch (error) {
      fail(route, error, probe);
    }
  }
  if (pending.length === 0) return failures;
  return new Promise((resolve) => {
    let left = pending.length;
    const settled = pending.map(() => false);
    // Counted from when the handlers started, as if the timer had been set before calling them.
    const timer = ticker.after(timeoutMs - (performance.now() - startedAt), () => {
      pending.forEach(([route, , probe], i) => {
        if (settled[i]) return;
        settled[i] = true;
        fail(route, handlerTimeout(label(route), event.type, timeoutMs), probe);
      });
      left = 0;
      resolve(failures);
    });
    pending.forEach(([route, result, probe], i) => {
      const finish = (failed: boolean, error?: unknown) => {
        if (settled[i]) return;
        settled[i] = true;
        if (failed) fail(route, error, probe);
        else succeeded(route.id, probe);
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

/** A route's name in messages: its id, and for a unit member which handler it is. */
const label = ({ id, member }: { id: string; member?: string | undefined }) =>
  member === undefined ? id : `${id} (${member})`;

/** One line naming the failed handlers, for logs and dead letters; never the payload. */
export function summarize(failures: readonly HandlerFailure[], total: number, type: string): string {
  const parts = failures.map((failure) => `${label(failure)}: ${errorText(failure.error)}`);
  const text = `${failures.length} of ${total} handler(s) for ${type} failed — ${parts.join("; ")}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
