/** One caller's part of a batch. */
interface Waiting<I, R> {
  item: I;
  resolve(result: R): void;
  reject(error: unknown): void;
}

/**
 * Gathers the calls of one event-loop turn and sends them as one statement: one socket write and one commit
 * (one WAL flush) for all of them instead of one each. No timer: `setImmediate` runs right after the turn's
 * I/O callbacks, so a call waits for nothing but the turn. A key appears at most once per batch.
 */
export class Batching<I extends { key: string }, R> {
  readonly #send: (items: I[]) => Promise<R[]>;
  readonly #maxSize: number;
  #queue: Waiting<I, R>[] = [];
  #scheduled = false;

  /** `send` answers one result per item, in order; a rejection fails every call of the batch. */
  constructor(send: (items: I[]) => Promise<R[]>, maxSize: number) {
    this.#send = send;
    this.#maxSize = maxSize;
  }

  add(item: I): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (this.#scheduled) return;
      this.#scheduled = true;
      setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#scheduled = false;
    const queue = this.#queue;
    this.#queue = [];
    // Batches with distinct keys: a key called twice in one turn goes into another batch, sent alongside
    // (two concurrent calls, which PostgreSQL orders on the row, exactly as two separate statements).
    const batches: { calls: Waiting<I, R>[]; keys: Set<string> }[] = [];
    for (const waiting of queue) {
      let batch = batches.find((b) => b.calls.length < this.#maxSize && !b.keys.has(waiting.item.key));
      if (!batch) {
        batch = { calls: [], keys: new Set() };
        batches.push(batch);
      }
      batch.calls.push(waiting);
      batch.keys.add(waiting.item.key);
    }
    for (const batch of batches) this.#dispatch(batch.calls);
  }

  #dispatch(batch: Waiting<I, R>[]): void {
    this.#send(batch.map((w) => w.item)).then(
      (results) => {
        for (let i = 0; i < batch.length; i++) batch[i]!.resolve(results[i]!);
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error);
      },
    );
  }
}
