import { handlerFailed, type WebhookError } from "../errors.js";
import { unhandledReporter } from "../event-names.js";
import type { WebhookEvent } from "../events.js";
import { chain, isThenable, type MaybePromise, settle } from "../maybe.js";
import { latestIfStale, orderingOf, recordApplied, reportStale } from "../ordering/guard.js";
import type { OrderingTarget } from "../ordering/resolve.js";
import { acknowledge } from "../response.js";
import type { Route } from "../router.js";
import type { Runtime } from "../runtime.js";
import { storeStep } from "../store-step.js";
import type { WebhookResponse } from "../types.js";
import { completeClaim, releaseClaim } from "./claim.js";
import { type HandlerFailure, runRoutes, summarize } from "./run-handlers.js";
import type { Dispatch } from "./types.js";

/**
 * Handlers run in this process, inside the request's life: answered when they finish, or 202 at the ack
 * deadline (counted from arrival), or at once with `ack: "immediate"`. Not durable: see `queue`.
 */
export function inlineDispatch(rt: Runtime): Dispatch {
  const { logger, provider, ack, ackDeadlineMs } = rt.settings;
  const reportUnhandled = unhandledReporter(provider, logger);
  const handled = (failure: WebhookError | undefined) => {
    if (failure) throw failure;
    return acknowledge("handled");
  };
  return ({ event, token, arrivedAt }) => {
    const routes = rt.router.routes(event.type);
    if (routes.length === 0) {
      reportUnhandled(event.type, event.id);
      return chain(completeClaim(rt, event, token), () => acknowledge("unhandled"));
    }
    const target = orderingOf(rt, event);
    if (!target) return run(routes, event, token, arrivedAt, undefined);
    // The stale-event guard: older than the entity's last applied version → acknowledged, handlers not run.
    return chain(staleOrRelease(rt, event, token, target), (latest) => {
      if (latest === undefined) return run(routes, event, token, arrivedAt, target);
      reportStale(rt, event, target, latest);
      return chain(completeClaim(rt, event, token), () => acknowledge("stale"));
    });
  };

  function run(
    routes: readonly Route[],
    event: WebhookEvent,
    token: string,
    arrivedAt: number,
    target: OrderingTarget | undefined,
  ): MaybePromise<WebhookResponse> {
    // `webhook.delivery.lag`: from arrival to every handler done, once they all succeeded.
    const timed = (outcome: MaybePromise<WebhookError | undefined>) =>
      chain(outcome, (failure) => {
        if (!failure) rt.telemetry.delivered(event.type, (performance.now() - arrivedAt) / 1000);
        return failure;
      });
    if (ack === "immediate") {
      // Handlers start once the answer is on its way: a CPU-bound sync handler must not hold the 202 back.
      const later = new Promise<WebhookError | undefined>((resolve) => {
        setTimeout(() => resolve(timed(runClaimed(rt, routes, event, token, target))), 0);
      });
      return acceptedInBackground(rt, later, event);
    }
    const outcome = timed(runClaimed(rt, routes, event, token, target));
    // Settled already (sync handlers, MemoryStore): no deadline to race.
    if (!isThenable(outcome)) return logHandled(rt, event, handled(outcome));
    const remaining = ackDeadlineMs - (performance.now() - arrivedAt);
    return new Promise<WebhookError | undefined | "deadline">((resolve) => {
      const deadline = rt.ticker.after(remaining, () => resolve("deadline"));
      outcome.then((result) => {
        rt.ticker.cancel(deadline);
        resolve(result);
      });
    }).then((first) => {
      if (first !== "deadline") return logHandled(rt, event, handled(first));
      logger.warn(
        { provider: provider.name, type: event.type, id: event.id, ackDeadlineMs },
        "handlers passed the ack deadline; answered 202",
      );
      return acceptedInBackground(rt, outcome, event);
    });
  }
}

/** The stale check; when the store cannot answer, the claim is released (the sender's retry runs it) and 503. */
function staleOrRelease(
  rt: Runtime,
  event: WebhookEvent,
  token: string,
  target: OrderingTarget,
): MaybePromise<number | undefined> {
  const fail = (error: unknown): MaybePromise<never> =>
    chain(releaseClaim(rt, event.id, token), () => {
      throw error;
    });
  let checked: MaybePromise<number | undefined>;
  try {
    checked = latestIfStale(rt, target);
  } catch (error) {
    return fail(error);
  }
  return isThenable(checked) ? checked.then(undefined, fail) : checked;
}

function logHandled(rt: Runtime, event: WebhookEvent, response: WebhookResponse): WebhookResponse {
  rt.settings.logger.info(
    { provider: rt.settings.provider.name, type: event.type, id: event.id },
    "webhook handled",
  );
  return response;
}

function acceptedInBackground(rt: Runtime, outcome: Promise<WebhookError | undefined>, event: WebhookEvent) {
  rt.track(outcome.then((failure) => failure && rt.report(failure, event)));
  return acknowledge("processing");
}

/**
 * Runs handlers under a renewed lease, then completes or releases the claim. Never rejects. Settles at once
 * when the handlers and the store do (no lease renewal is needed then: nothing ran long).
 */
function runClaimed(
  rt: Runtime,
  routes: readonly Route[],
  event: WebhookEvent,
  token: string,
  target: OrderingTarget | undefined,
): MaybePromise<WebhookError | undefined> {
  const { leaseMs, handlerTimeoutMs, logger } = rt.settings;
  const failures = runRoutes(routes, event, rt.ticker, handlerTimeoutMs, undefined, rt.telemetry.handlers());
  if (!isThenable(failures)) return settleClaim(rt, routes, event, token, failures, target);
  const renew = () => {
    renewal = rt.ticker.after(leaseMs / 3, renew);
    settle(
      () => storeStep(rt, "renew", (store, deadline) => store.renew(event.id, token, { leaseMs, deadline })),
      (owned) => owned || logger.warn({ id: event.id }, "lease lost while handlers ran"),
      (err: unknown) => logger.warn({ id: event.id, err }, "lease renewal failed"),
    );
  };
  let renewal = rt.ticker.after(leaseMs / 3, renew);
  // Renewal stops with the handlers' time limit: a handler that never settles cannot hold the event forever.
  return failures.then((list) => {
    rt.ticker.cancel(renewal);
    return settleClaim(rt, routes, event, token, list, target);
  });
}

/** Completes the claim after success, or logs the failures and releases it for the sender's retry. */
function settleClaim(
  rt: Runtime,
  routes: readonly Route[],
  event: WebhookEvent,
  token: string,
  failures: HandlerFailure[],
  target: OrderingTarget | undefined,
): MaybePromise<WebhookError | undefined> {
  if (failures.length === 0) {
    // Applied before the claim completes: a duplicate answered "duplicate" finds the version recorded.
    const recorded = target ? recordApplied(rt, event, target) : undefined;
    return chain(recorded, () => chain(completeClaim(rt, event, token), () => undefined));
  }
  for (const { id, error } of failures)
    rt.settings.logger.error(
      { err: error, type: event.type, id: event.id, handler: id },
      "webhook handler failed",
    );
  return chain(releaseClaim(rt, event.id, token), (released) =>
    handlerFailed(
      failures.length,
      routes.length,
      event.type,
      released,
      new AggregateError(
        failures.map((f) => f.error),
        summarize(failures, routes.length, event.type),
      ),
    ),
  );
}
