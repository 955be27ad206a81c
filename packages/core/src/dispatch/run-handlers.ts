import { WebhookError } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import type { Route } from "../router.js";
import type { Ticker } from "../ticker.js";

export interface HandlerFailure {
  id: string;
  error: unknown;
}

/**
 * Runs routes concurrently, each within `timeoutMs`; a handler that does not settle in time fails with
 * handler_timeout (it cannot be stopped, but it no longer holds the delivery). `onSuccess` hears of each
 * success as it happens, so a durable job can record it before the others finish.
 */
export async function runRoutes(
  routes: readonly Route[],
  event: WebhookEvent,
  ticker: Ticker,
  timeoutMs: number,
  onSuccess?: (id: string) => void,
): Promise<HandlerFailure[]> {
  const failures: HandlerFailure[] = [];
  const runOne = (route: Route) =>
    new Promise<void>((resolve) => {
      let settled = false;
      const timer = ticker.after(timeoutMs, () => {
        settled = true;
        failures.push({ id: route.id, error: handlerTimeout(route.id, event.type, timeoutMs) });
        resolve();
      });
      const finish = (error?: unknown, failed = false) => {
        if (settled) return;
        settled = true;
        ticker.cancel(timer);
        if (failed) failures.push({ id: route.id, error });
        else onSuccess?.(route.id);
        resolve();
      };
      try {
        Promise.resolve(route.handler(event)).then(
          () => finish(),
          (error: unknown) => finish(error, true),
        );
      } catch (error) {
        finish(error, true);
      }
    });
  if (routes.length === 1) await runOne(routes[0]!);
  else await Promise.all(routes.map(runOne));
  return failures;
}

function handlerTimeout(id: string, type: string, ms: number): WebhookError {
  return new WebhookError(
    "handler_timeout",
    `Handler ${id} for ${type} did not settle within handlerTimeoutMs (${ms} ms); its attempt counts as failed.`,
  );
}

/** One line naming the failed handlers, for logs and dead letters; never the payload. */
export function summarize(failures: readonly HandlerFailure[], total: number, type: string): string {
  const parts = failures.map(
    ({ id, error }) => `${id}: ${error instanceof Error ? error.message : String(error)}`,
  );
  const text = `${failures.length} of ${total} handler(s) for ${type} failed — ${parts.join("; ")}`;
  return text.length > 1000 ? `${text.slice(0, 997)}...` : text;
}
