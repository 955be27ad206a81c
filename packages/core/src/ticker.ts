interface Entry {
  at: number;
  fire: () => void;
}

/**
 * Coarse deadlines for the hot path. Store-call timeouts, ack deadlines and lease renewals almost never
 * fire, yet a setTimeout each costs an allocation and two timer-list operations per delivery. One interval
 * per receiver, running only while something is pending, checks them all instead; precision is `periodMs`.
 */
export class Ticker {
  readonly #entries = new Set<Entry>();
  readonly #periodMs: number;
  #interval: ReturnType<typeof setInterval> | undefined;

  constructor(periodMs: number) {
    this.#periodMs = periodMs;
  }

  /** Calls `fire` once, about `ms` from now, unless cancelled first. */
  after(ms: number, fire: () => void): Entry {
    const entry = { at: performance.now() + ms, fire };
    this.#entries.add(entry);
    if (!this.#interval) {
      this.#interval = setInterval(() => this.#tick(), this.#periodMs);
      this.#interval.unref?.();
    }
    return entry;
  }

  cancel(entry: Entry): void {
    this.#entries.delete(entry);
  }

  #tick(): void {
    const now = performance.now();
    for (const entry of this.#entries) {
      if (entry.at > now) continue;
      this.#entries.delete(entry);
      entry.fire();
    }
    if (this.#entries.size === 0) {
      clearInterval(this.#interval);
      this.#interval = undefined;
    }
  }
}

/** Tick often enough for the shortest deadline in play, never busier than 1 ms nor lazier than 250 ms. */
export function tickPeriod(...deadlinesMs: number[]): number {
  return Math.min(250, Math.max(1, Math.floor(Math.min(...deadlinesMs) / 4)));
}
