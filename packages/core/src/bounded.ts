import type { Ticker } from "./ticker.js";

/**
 * Runs `call` within `ms`: its result, or `fail(cause)` when it throws, rejects or runs out of time.
 * One coarse ticker entry instead of a timer per call; the budget is the receiver's, so stores and queues
 * need no timers of their own.
 */
export function bounded<T>(
  ticker: Ticker,
  ms: number,
  what: string,
  call: () => Promise<T>,
  fail: (cause: unknown) => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timeout = ticker.after(ms, () => reject(fail(new Error(`${what} timed out after ${ms} ms`))));
    let pending: Promise<T>;
    try {
      // Promise.resolve: a store written in plain JS may answer with a value, not a promise.
      pending = Promise.resolve(call());
    } catch (cause) {
      pending = Promise.reject(cause);
    }
    pending.then(
      (value) => {
        ticker.cancel(timeout);
        resolve(value);
      },
      (cause: unknown) => {
        ticker.cancel(timeout);
        reject(fail(cause));
      },
    );
  });
}

/** Who keeps a call's time budget: nobody (in-process, no I/O), the callee (it honours its deadline), or here. */
export type BudgetKeeper = "none" | "callee" | "here";

/**
 * One time budget per call to a store or a queue, one timer at most: the callee gets the deadline and, when
 * it honours it, settles by it on its own; otherwise `bounded` keeps it here. Any failure becomes `fail(cause)`.
 */
export function withinBudget<T>(
  ticker: Ticker,
  ms: number,
  what: string,
  keeper: BudgetKeeper,
  call: (deadline: number | undefined) => Promise<T>,
  fail: (cause: unknown) => Error,
): Promise<T> {
  if (keeper === "here") return bounded(ticker, ms, what, () => call(Date.now() + ms), fail);
  const deadline = keeper === "callee" ? Date.now() + ms : undefined;
  return new Promise<T>((resolve) => resolve(call(deadline))).catch((cause: unknown) => {
    throw fail(cause);
  });
}
