/** At most this many writes wait for PostgreSQL at once; beyond it a failed write is left to its lease. */
const MAX_PENDING = 10_000;
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 1_000;

/**
 * Background retries of a write that failed (complete, release, or the hand-back of a claim whose reply was
 * lost), with backoff up to 1 s, for `windowMs` at most. Safe to repeat: each write acts only for its own
 * token. Timers are unref'd, so pending retries never keep a process alive.
 */
export class WriteRetries {
  readonly #windowMs: number;
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  constructor(windowMs: number) {
    this.#windowMs = windowMs;
  }

  get size(): number {
    return this.#pending.size;
  }

  schedule(write: () => Promise<unknown>): void {
    if (this.#windowMs <= 0 || this.#pending.size >= MAX_PENDING) return;
    const giveUpAt = Date.now() + this.#windowMs;
    const attempt = (delay: number) => {
      const timer = setTimeout(() => {
        write().then(
          () => this.#pending.delete(timer),
          () => {
            this.#pending.delete(timer);
            if (Date.now() + delay < giveUpAt) attempt(Math.min(delay * 2, MAX_DELAY_MS));
          },
        );
      }, delay);
      timer.unref?.();
      this.#pending.add(timer);
    };
    attempt(FIRST_DELAY_MS);
  }
}
