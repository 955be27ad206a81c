/** Which store operation failed. */
export type PostgresStoreOperation =
  | "claim"
  | "complete"
  | "release"
  | "renew"
  | "createSchema"
  | "deleteExpired"
  | "latestVersion"
  | "advanceVersion"
  | "ping";

/**
 * Why a store call reached no verdict:
 * - "timeout": no answer by the call's deadline (or `defaultTimeoutMs`) (pool exhausted, a slow or locked statement, a hung server);
 * - "unavailable": no connection could be had, or PostgreSQL answered with an error;
 * - "schema": the table is missing or does not have the columns this version expects. The message says how to fix it.
 */
export type PostgresStoreFailure = "timeout" | "unavailable" | "schema";

/**
 * A store call that could not reach a verdict. The receiver turns it into 503 `store_unavailable` +
 * `Retry-After`, so nothing is acknowledged that could not be deduplicated.
 *
 * @example
 * const receiver = createReceiver({
 *   provider,
 *   store,
 *   onError: (error) => {
 *     if (error.cause instanceof PostgresStoreError) metrics.increment(`postgres.${error.cause.reason}`);
 *   },
 * });
 */
export class PostgresStoreError extends Error {
  override readonly name = "PostgresStoreError";
  readonly operation: PostgresStoreOperation;
  readonly reason: PostgresStoreFailure;
  /**
   * True when the outcome is unknown: the statement was sent and no answer came (a timeout, a broken
   * connection), so PostgreSQL may have applied it. False when it certainly was not applied: it never left
   * the process, or PostgreSQL refused it with an error (each statement is its own transaction).
   */
  readonly maybeApplied: boolean;
  /** PostgreSQL's SQLSTATE when the server answered with an error (e.g. "42P01" for a missing table). */
  readonly sqlState: string | undefined;

  constructor(
    operation: PostgresStoreOperation,
    reason: PostgresStoreFailure,
    message: string,
    details: { maybeApplied: boolean; cause?: unknown; sqlState?: string | undefined },
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.operation = operation;
    this.reason = reason;
    this.maybeApplied = details.maybeApplied;
    this.sqlState = details.sqlState;
  }
}
