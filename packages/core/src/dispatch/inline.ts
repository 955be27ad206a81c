import { handlerFailed, type WebhookError } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import { acknowledge } from "../response.js";
import type { Route } from "../router.js";
import type { Runtime } from "../runtime.js";
import { completeClaim, releaseClaim } from "./claim.js";
import { type HandlerFailure, runRoutes, summarize } from "./run-handlers.js";
import type { Dispatch } from "./types.js";

/**
 * Handlers run in this process, inside the request's life: answered when they finish, or 202 at the ack
 * deadline (counted from arrival), or at once with `ack: "immediate"`. Not durable: see `queue`.
 */
export function inlineDispatch(rt: Runtime): Dispatch {
  const { logger, provider, ack, ackDeadlineMs } = rt.settings;
  return async ({ event, token, arrivedAt }) => {
    const routes = rt.router.routes(event.type);
    if (routes.length === 0) {
      logger.info(
        { provider: provider.name, type: event.type, id: event.id },
        "no handler for event type; acknowledged",
      );
      await completeClaim(rt, event, token);
      return acknowledge("unhandled");
    }
    const outcome = runClaimed(rt, routes, event, token);
    if (ack === "immediate") return acceptedInBackground(rt, outcome, event);
    const remaining = ackDeadlineMs - (performance.now() - arrivedAt);
    const first = await new Promise<WebhookError | undefined | "deadline">((resolve) => {
      const deadline = rt.ticker.after(remaining, () => resolve("deadline"));
      outcome.then((result) => {
        rt.ticker.cancel(deadline);
        resolve(result);
      });
    });
    if (first === "deadline") {
      logger.warn(
        { provider: provider.name, type: event.type, id: event.id, ackDeadlineMs },
        "handlers passed the ack deadline; answered 202",
      );
      return acceptedInBackground(rt, outcome, event);
    }
    if (first) throw first;
    logger.info({ provider: provider.name, type: event.type, id: event.id }, "webhook handled");
    return acknowledge("handled");
  };
}

function acceptedInBackground(rt: Runtime, outcome: Promise<WebhookError | undefined>, event: WebhookEvent) {
  rt.track(outcome.then((failure) => failure && rt.report(failure, event)));
  return acknowledge("processing");
}

/** Runs handlers under a renewed lease, then completes or releases the claim. Never rejects. */
async function runClaimed(
  rt: Runtime,
  routes: readonly Route[],
  event: WebhookEvent,
  token: string,
): Promise<WebhookError | undefined> {
  const { store, leaseMs, logger, handlerTimeoutMs } = rt.settings;
  let renewal: ReturnType<typeof rt.ticker.after> | undefined;
  const renew = () => {
    renewal = rt.ticker.after(leaseMs / 3, renew);
    rt.storeCall("renew", (deadline) => store.renew(event.id, token, { leaseMs, deadline })).then(
      (owned) => owned || logger.warn({ id: event.id }, "lease lost while handlers ran"),
      (err: unknown) => logger.warn({ id: event.id, err }, "lease renewal failed"),
    );
  };
  renewal = rt.ticker.after(leaseMs / 3, renew);
  // Renewal stops with the handlers' time limit: a handler that never settles cannot hold the event forever.
  const failures = await runRoutes(routes, event, rt.ticker, handlerTimeoutMs);
  rt.ticker.cancel(renewal);
  if (failures.length === 0) {
    await completeClaim(rt, event, token);
    return undefined;
  }
  for (const { id, error } of failures)
    logger.error({ err: error, type: event.type, id: event.id, handler: id }, "webhook handler failed");
  const released = await releaseClaim(rt, event.id, token);
  const cause = new AggregateError(
    failures.map((f) => f.error),
    summarize(failures, routes.length, event.type),
  );
  return handlerFailed(failures.length, routes.length, event.type, released, cause);
}
