/**
 * A value now or later. The hot path passes these between steps so that a delivery whose every step is
 * synchronous (node:crypto, MemoryStore, sync validators and handlers) costs no promise and no microtask
 * per step; a step that really waits returns its promise and the rest follows it.
 */
export type MaybePromise<T> = T | Promise<T>;

/** Anything with a `then`: user code may return a non-native thenable, which must still be awaited. */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === "function";

/** `next(value)` now when `value` is at hand, else once it settles (a rejection skips `next`). */
export function chain<T, U>(value: T | PromiseLike<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return isThenable(value) ? Promise.resolve(value).then(next) : next(value as T);
}

/** `onValue` with what `run` returns, or `onError` with what it throws or rejects with; now when it can. */
export function settle<T, U>(
  run: () => MaybePromise<T>,
  onValue: (value: T) => U,
  onError: (error: unknown) => U,
): MaybePromise<U> {
  let value: MaybePromise<T>;
  try {
    value = run();
  } catch (error) {
    return onError(error);
  }
  return isThenable(value) ? Promise.resolve(value).then(onValue, onError) : onValue(value);
}
