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
