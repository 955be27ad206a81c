import { withinBudget } from "./bounded.js";
import { storeUnavailable, type WebhookError } from "./errors.js";
import type { WebhookEvent } from "./events.js";
import type { EventSchemas } from "./providers/define.js";
import { type DeliveryContext, hasher } from "./providers/define.js";
import { Router } from "./router.js";
import type { Settings } from "./settings.js";
import { MemoryStore, syncStore } from "./store/memory.js";
import { createTelemetry } from "./telemetry/otel.js";
import type { Telemetry } from "./telemetry/types.js";
import { Ticker, tickPeriod } from "./ticker.js";

/** What the receiver's modules share: settings, the handler registry, one ticker, reporting, background work. */
export interface Runtime<E extends EventSchemas = EventSchemas> {
  readonly settings: Settings<E>;
  readonly router: Router;
  readonly ticker: Ticker;
  readonly sha256Hex: DeliveryContext["sha256Hex"];
  /** Spans and metrics (OpenTelemetry), or `noTelemetry`. */
  readonly telemetry: Telemetry;
  /** Logs at error and tells `onError`; never throws. */
  /** Logs `error` (its cause's stack with it) and calls `onError`; `fields` add to the log line only. */
  report(error: WebhookError, event?: WebhookEvent, level?: "warn" | "error", fields?: object): void;
  /**
   * A store call within `storeTimeoutMs`, handed its deadline (undefined for an in-process store); any
   * failure becomes 503 store_unavailable.
   */
  storeCall<T>(what: string, call: (deadline: number | undefined) => Promise<T>): Promise<T>;
  /** Keeps a promise that outlives its request, so `idle()` can wait for it. */
  track(work: Promise<unknown>): void;
  idle(): Promise<void>;
}

export function createRuntime<E extends EventSchemas>(
  settings: Settings<E>,
  onError: ((error: WebhookError, event?: WebhookEvent) => void) | undefined,
): Runtime<E> {
  const { logger, provider } = settings;
  const ticker = new Ticker(
    tickPeriod(
      settings.storeTimeoutMs,
      settings.queueTimeoutMs,
      settings.ackDeadlineMs,
      settings.leaseMs / 3,
    ),
  );
  const background = new Set<Promise<unknown>>();
  const telemetry = createTelemetry(settings.telemetry, provider.name, settings.queue);
  return {
    settings,
    telemetry,
    router: new Router(),
    ticker,
    sha256Hex: hasher(settings.crypto),
    report(error, event, level = "error", fields = {}) {
      logger[level](
        {
          code: error.code,
          provider: provider.name,
          type: event?.type,
          id: event?.id,
          ...fields,
          err: error.cause,
        },
        error.message,
      );
      if (!onError) return;
      try {
        onError(error, event);
      } catch (hookError) {
        logger.error({ err: hookError }, "onError threw");
      }
    },
    storeCall: storeCaller(settings, ticker, telemetry),
    track(work) {
      // A tracked promise never rejects unhandled: failures were reported by whoever made it.
      const settled = work.then(
        () => {},
        (error: unknown) => logger.error({ err: error }, "background work failed"),
      );
      background.add(settled);
      settled.finally(() => background.delete(settled));
    },
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
}

/** One time budget per store call, one timer at most (see `withinBudget`). */
function storeCaller(
  settings: Settings<EventSchemas>,
  ticker: Ticker,
  telemetry: Telemetry,
): Runtime["storeCall"] {
  const { store, storeTimeoutMs } = settings;
  // A MemoryStore counts as in-process only as itself (not behind a Proxy, a subclass or a spy, which may
  // wait): its `inProcess` read through a Proxy would answer for the target.
  const inProcess = store instanceof MemoryStore ? syncStore(store) !== undefined : store.inProcess === true;
  const keeper = inProcess ? "none" : store.honoursDeadline ? "callee" : "here";
  return (what, call) =>
    withinBudget(ticker, storeTimeoutMs, `store ${what}`, keeper, call, (cause) => {
      telemetry.storeError(what);
      return storeUnavailable(cause);
    });
}
