/** Which store operation failed. */
export type RedisStoreOperation =
  | "claim"
  | "complete"
  | "release"
  | "renew"
  | "latestVersion"
  | "advanceVersion"
  | "ping";

/**
 * A store call that could not reach a verdict: Redis unreachable, not ready within the budget, too slow,
 * or answering with an error. The receiver turns it into 503 `store_unavailable` + `Retry-After`.
 *
 * @example
 * const receiver = createReceiver({
 *   provider,
 *   store,
 *   onError: (error) => {
 *     if (error.cause instanceof RedisStoreError) metrics.increment(`redis.${error.cause.reason}`);
 *   },
 * });
 */
export class RedisStoreError extends Error {
  override readonly name = "RedisStoreError";
  readonly operation: RedisStoreOperation;
  /** "timeout": no answer by the call's deadline (or `defaultTimeoutMs`); "unavailable": the client refused or Redis errored. */
  readonly reason: "timeout" | "unavailable";
  /**
   * Whether the command was handed to the client. False: Redis never saw it (known down, or closed). True:
   * Redis may or may not have applied it; the outcome is unknown.
   */
  readonly sent: boolean;

  constructor(
    operation: RedisStoreOperation,
    reason: "timeout" | "unavailable",
    message: string,
    details: { sent: boolean; cause?: unknown },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.operation = operation;
    this.reason = reason;
    this.sent = details.sent;
  }
}
