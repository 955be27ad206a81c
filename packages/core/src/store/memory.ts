import { LRUCache } from "lru-cache";
import type { ClaimResult, IdempotencyStore } from "./types.js";

export interface MemoryStoreOptions {
  /** Upper bound on remembered keys (completed and in progress). Default 100 000 (≈ 65–85 MB of heap with typical keys, measured). */
  maxEntries?: number;
  /** Injectable clock (ms since epoch), for tests of lease and retention expiry. */
  now?: () => number;
  /** Called when a key still inside its retention window is evicted to respect `maxEntries`. */
  onEvict?: (key: string) => void;
}

interface Entry {
  state: "processing" | "completed";
  token: string;
  expiresAt: number;
}

/**
 * The embedded default: one process, bounded memory (lru-cache), atomic because every method runs to
 * completion on the event loop without awaiting. For several processes use `@webhook-kit/redis`.
 *
 * @example
 * const receiver = createReceiver({ provider, store: new MemoryStore({ maxEntries: 50_000 }) });
 */
export class MemoryStore implements IdempotencyStore {
  readonly inProcess = true;
  readonly #tokenPrefix = `${globalThis.crypto.randomUUID()}:`;
  #claims = 0;
  readonly #cache: LRUCache<string, Entry>;
  readonly #now: () => number;

  constructor(options: MemoryStoreOptions = {}) {
    const max = options.maxEntries ?? 100_000;
    if (!Number.isInteger(max) || max < 1) {
      throw new TypeError(`MemoryStore: maxEntries must be a positive integer, got ${String(max)}`);
    }
    this.#now = options.now ?? Date.now;
    const onEvict = options.onEvict;
    this.#cache = new LRUCache<string, Entry>({
      max,
      // Only a forced eviction of a live entry matters: it can let a late retry through again.
      ...(onEvict && {
        dispose: (entry: Entry, key: string, reason: string) => {
          if (reason === "evict" && entry.expiresAt > this.#now()) onEvict(key);
        },
      }),
    });
  }

  /** Number of keys held (live or not yet evicted). */
  get size(): number {
    return this.#cache.size;
  }

  #live(key: string): Entry | undefined {
    const entry = this.#cache.get(key);
    if (entry && entry.expiresAt <= this.#now()) {
      this.#cache.delete(key);
      return undefined;
    }
    return entry;
  }

  async claim(key: string, { leaseMs }: { leaseMs: number }): Promise<ClaimResult> {
    const entry = this.#live(key);
    if (entry?.state === "completed") return { status: "completed" };
    if (entry) return { status: "in_progress", retryAfterMs: entry.expiresAt - this.#now() };
    // Unique per claim (a token is the proof of ownership); within one process a counter behind a random
    // per-store prefix is enough, and much cheaper than a UUID per delivery.
    const token = `${this.#tokenPrefix}${++this.#claims}`;
    this.#cache.set(key, { state: "processing", token, expiresAt: this.#now() + leaseMs });
    return { status: "claimed", token };
  }

  /** The live entry `token` owns, if any: the one lookup complete/release/renew need. */
  #owned(key: string, token: string): Entry | undefined {
    const entry = this.#live(key);
    return entry?.state === "processing" && entry.token === token ? entry : undefined;
  }

  async complete(key: string, token: string, { retentionMs }: { retentionMs: number }): Promise<boolean> {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    // Mutated in place: the entry is ours alone, and a second cache write per delivery is measurable.
    entry.state = "completed";
    entry.expiresAt = this.#now() + retentionMs;
    return true;
  }

  async release(key: string, token: string): Promise<boolean> {
    if (!this.#owned(key, token)) return false;
    this.#cache.delete(key);
    return true;
  }

  async renew(key: string, token: string, { leaseMs }: { leaseMs: number }): Promise<boolean> {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    entry.expiresAt = this.#now() + leaseMs;
    return true;
  }

  clear(): void {
    this.#cache.clear();
  }
}
