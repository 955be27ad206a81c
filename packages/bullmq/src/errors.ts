/** Which queue call failed. */
export type BullMQQueueOperation =
  | "enqueue"
  | "listDeadLetters"
  | "replayDeadLetter"
  | "removeDeadLetter"
  | "pause"
  | "resume"
  | "status"
  | "ping";

/**
 * A queue call that could not reach a verdict: Redis or PostgreSQL unreachable, not ready within the budget,
 * or answering with an error. For `enqueue` the receiver answers 503 + `Retry-After`, and the sender's retry
 * is refused as a duplicate if the write did land after all.
 *
 * @example
 * try {
 *   await queue.enqueue(delivery);
 * } catch (error) {
 *   if (error instanceof BullMQQueueError && error.reason === "timeout") metrics.increment("queue.slow");
 *   throw error;
 * }
 */
export class BullMQQueueError extends Error {
  override readonly name = "BullMQQueueError";
  readonly operation: BullMQQueueOperation;
  /** "timeout": no answer within the queue's `timeoutMs`; "unavailable": the server refused or errored. */
  readonly reason: "timeout" | "unavailable";

  constructor(
    operation: BullMQQueueOperation,
    reason: "timeout" | "unavailable",
    message: string,
    cause?: unknown,
  ) {
    super(message, cause === undefined ? undefined : { cause });
    this.operation = operation;
    this.reason = reason;
  }
}
