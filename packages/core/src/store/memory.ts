import { LRUCache } from "lru-cache";
import { invalidConfig, StoreFullError } from "../errors.js";
import type { CallDeadline, ClaimResult, IdempotencyStore, VersionAdvance, VersionStore } from "./types.js";

export interface MemoryStoreOptions {
  /**
   * Upper bound on remembered keys, completed and in progress together. Default 100 000 (≈ 65–85 MB of heap
   * with typical keys, measured); at most `MAX_MEMORY_ENTRIES` (5 000 000, ≈ 3.5–4 GB when full: past
   * that, share a RedisStore or PostgresStore). Anything else throws `invalid_config`. Completed keys are evicted least recently used first; claims whose
   * handlers are running never are — when every slot holds one, a new claim is refused (503, retried).
   */
  maxEntries?: number;
  /** Injectable clock (ms since epoch), for tests of lease and retention expiry. */
  now?: () => number;
  /**
   * Called for each completed key evicted while still inside its retention window: a retry of it would run
   * again. Replaces the default warning; pass your own to count or log them differently.
   */
  onEvict?: (key: string) => void;
  /**
   * Where the default eviction warning goes (anything with `warn(message)`: `console`, a pino logger).
   * Default `console`.
   * One line at once, then at most one a minute with the count since the last, so an undersized store is
   * visible without flooding the log. Only keys (delivery ids / body hashes) are named, never payloads.
   */
  logger?: { warn(message: string): void };
}

interface Entry {
  state: "processing" | "completed";
  token: string;
  expiresAt: number;
}

type StoreMethods = IdempotencyStore & VersionStore;

/** The store's methods as plain calls: what they compute, without the promise the interface wraps it in. */
export type SyncStore = {
  [M in "claim" | "complete" | "release" | "renew" | "latestVersion" | "advanceVersion"]: (
    ...args: Parameters<StoreMethods[M]>
  ) => Awaited<ReturnType<StoreMethods[M]>>;
};

const synchronous = new WeakMap<object, SyncStore>();

/**
 * MemoryStore's methods as plain calls, for the receiver's hot path (no promise, no microtask per call).
 * Undefined for any other store, and for one whose methods were replaced (a subclass, a test spy): those
 * must be the ones that run.
 */
export function syncStore(store: IdempotencyStore): SyncStore | undefined {
  const own = MemoryStore.prototype;
  const untouched =
    store.claim === own.claim &&
    store.complete === own.complete &&
    store.release === own.release &&
    store.renew === own.renew &&
    (store as Partial<VersionStore>).latestVersion === own.latestVersion &&
    (store as Partial<VersionStore>).advanceVersion === own.advanceVersion;
  return untouched ? synchronous.get(store) : undefined;
}

/**
 * The most keys an in-memory store or queue may be asked to hold: the LRU preallocates its slots (5 000 000
 * take ≈ 80 MB and 0.7 s at construction; 1e8 took 28 s and 1.6 GB, 1e9 killed the process), and that many
 * live keys already fill a default Node heap.
 */
export const MAX_MEMORY_ENTRIES = 5_000_000;

/** A count option of an in-memory store or queue: an integer from 1 to `MAX_MEMORY_ENTRIES`. */
export function entryCount(where: string, name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_MEMORY_ENTRIES) {
    throw invalidConfig(
      `${name} must be an integer from 1 to ${MAX_MEMORY_ENTRIES} (above that, use @webhook-kit/redis or @webhook-kit/postgres), got ${String(value)}.`,
      where,
    );
  }
  return value;
}

/** How often, at most, the default warning repeats while live keys keep being evicted. */
const WARN_EVERY_MS = 60_000;

/**
 * The embedded default: one process, bounded memory, atomic because every method runs to completion on
 * the event loop without awaiting. For several processes use `@webhook-kit/redis`.
 *
 * Claims in progress live in their own map and are never evicted (evicting one would let a second copy
 * run concurrently); completed keys live in an LRU and give way to new claims once `maxEntries` is reached.
 *
 * @example
 * const receiver = createReceiver({ provider, store: new MemoryStore({ maxEntries: 50_000 }) });
 */
export class MemoryStore implements IdempotencyStore, VersionStore {
  /**
   * True while the methods are MemoryStore's own: then no call can wait on I/O and the receiver spends no
   * time budget on it. A subclass or spy that replaces one may wait, so it is timed like any remote store.
   */
  get inProcess(): boolean {
    return syncStore(this) !== undefined;
  }
  readonly #tokenPrefix = `${globalThis.crypto.randomUUID()}:`;
  #claimCount = 0;
  readonly #max: number;
  readonly #claims = new Map<string, Entry>();
  readonly #completed: LRUCache<string, Entry>;
  readonly #now: () => number;
  readonly #onEvict: (key: string) => void;
  /** Entity → latest applied version (ordering), bounded like the keys: least recently used go first. */
  readonly #versions: LRUCache<string, { version: number; expiresAt: number }>;

  constructor(options: MemoryStoreOptions = {}) {
    const max = entryCount("MemoryStore", "maxEntries", options.maxEntries, 100_000);
    this.#max = max;
    this.#now = options.now ?? Date.now;
    this.#onEvict = options.onEvict ?? evictionWarning(max, options.logger ?? console, this.#now);
    // Evictions are made by #makeRoom, which knows about claims; `max` here is only a backstop.
    this.#completed = new LRUCache<string, Entry>({ max });
    this.#versions = new LRUCache({ max });
    synchronous.set(this, {
      latestVersion: (entity) => this.#latestVersion(entity),
      advanceVersion: (entity, version, o) => this.#advanceVersion(entity, version, o),
      claim: (key, o) => this.#claim(key, o),
      complete: (key, token, o) => this.#complete(key, token, o),
      release: (key, token) => this.#release(key, token),
      renew: (key, token, o) => this.#renew(key, token, o),
    });
  }

  /** Number of keys held (in progress, completed, or expired and not yet dropped). */
  get size(): number {
    return this.#claims.size + this.#completed.size;
  }

  /** The live entry for `key` in either place; an expired one is dropped on the way. */
  #live(key: string): Entry | undefined {
    const now = this.#now();
    const claim = this.#claims.get(key);
    if (claim) {
      if (claim.expiresAt > now) return claim;
      this.#claims.delete(key);
    }
    const done = this.#completed.get(key);
    if (done) {
      if (done.expiresAt > now) return done;
      this.#completed.delete(key);
    }
    return undefined;
  }

  /** Frees one slot for a new claim: the least recently used completed key, else an expired claim. */
  #makeRoom(): boolean {
    if (this.size < this.#max) return true;
    const oldest = this.#completed.rkeys().next();
    if (!oldest.done) {
      const entry = this.#completed.peek(oldest.value);
      this.#completed.delete(oldest.value);
      if (entry && entry.expiresAt > this.#now()) this.#onEvict(oldest.value);
      return true;
    }
    // Every slot holds a claim: only expired ones (crashed owners) may go. O(n), but only when full.
    const now = this.#now();
    for (const [key, claim] of this.#claims) if (claim.expiresAt <= now) this.#claims.delete(key);
    return this.size < this.#max;
  }

  // `deadline` is accepted and ignored: every call settles at once, without I/O (`inProcess`).
  async claim(key: string, options: { leaseMs: number } & CallDeadline): Promise<ClaimResult> {
    return this.#claim(key, options);
  }

  #claim(key: string, { leaseMs }: { leaseMs: number }): ClaimResult {
    const entry = this.#live(key);
    if (entry?.state === "completed") return { status: "completed" };
    if (entry) return { status: "in_progress", retryAfterMs: entry.expiresAt - this.#now() };
    if (!this.#makeRoom()) {
      // The receiver answers 503 store_unavailable + Retry-After: the sender retries, nothing is lost.
      throw new StoreFullError(
        `MemoryStore is full: all ${this.#max} entries are deliveries still being processed. Raise maxEntries or use RedisStore.`,
      );
    }
    // Unique per claim (a token is the proof of ownership); within one process a counter behind a random
    // per-store prefix is enough, and much cheaper than a UUID per delivery.
    const token = `${this.#tokenPrefix}${++this.#claimCount}`;
    this.#claims.set(key, { state: "processing", token, expiresAt: this.#now() + leaseMs });
    return { status: "claimed", token };
  }

  /** The live claim `token` owns, if any: the one lookup complete/release/renew need. */
  #owned(key: string, token: string): Entry | undefined {
    const entry = this.#claims.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.expiresAt > this.#now()) return entry;
    this.#claims.delete(key);
    return undefined;
  }

  async complete(
    key: string,
    token: string,
    options: { retentionMs: number } & CallDeadline,
  ): Promise<boolean> {
    return this.#complete(key, token, options);
  }

  #complete(key: string, token: string, { retentionMs }: { retentionMs: number }): boolean {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    // Moved, not copied: the claim's slot becomes the completed key's, so the total never grows here.
    this.#claims.delete(key);
    entry.state = "completed";
    entry.expiresAt = this.#now() + retentionMs;
    this.#completed.set(key, entry);
    return true;
  }

  async release(key: string, token: string, _options?: CallDeadline): Promise<boolean> {
    return this.#release(key, token);
  }

  #release(key: string, token: string): boolean {
    if (!this.#owned(key, token)) return false;
    this.#claims.delete(key);
    return true;
  }

  async renew(key: string, token: string, options: { leaseMs: number } & CallDeadline): Promise<boolean> {
    return this.#renew(key, token, options);
  }

  /** Always answers: the store lives in this process. */
  async ping(): Promise<void> {}

  #renew(key: string, token: string, { leaseMs }: { leaseMs: number }): boolean {
    const entry = this.#owned(key, token);
    if (!entry) return false;
    entry.expiresAt = this.#now() + leaseMs;
    return true;
  }

  // Versions (ordering): a separate LRU, so entity keys never meet delivery keys and stay bounded by
  // maxEntries. An entity evicted while still live loses its guard (its next event runs unguarded), never an event.
  async latestVersion(entity: string, _options?: CallDeadline): Promise<number | undefined> {
    return this.#latestVersion(entity);
  }

  #latestVersion(entity: string): number | undefined {
    const held = this.#versions.get(entity);
    if (!held) return undefined;
    if (held.expiresAt > this.#now()) return held.version;
    this.#versions.delete(entity);
    return undefined;
  }

  async advanceVersion(
    entity: string,
    version: number,
    options: { retentionMs: number } & CallDeadline,
  ): Promise<VersionAdvance> {
    return this.#advanceVersion(entity, version, options);
  }

  #advanceVersion(entity: string, version: number, { retentionMs }: { retentionMs: number }): VersionAdvance {
    if (!Number.isFinite(version)) throw new RangeError(`MemoryStore: version must be a finite number`);
    const latest = this.#latestVersion(entity);
    if (latest !== undefined && latest >= version) return { advanced: false, latest };
    this.#versions.set(entity, { version, expiresAt: this.#now() + retentionMs });
    return { advanced: true, latest: version };
  }

  /** Entities whose latest version is remembered (expired ones not yet dropped included). */
  get versionCount(): number {
    return this.#versions.size;
  }

  clear(): void {
    this.#claims.clear();
    this.#completed.clear();
    this.#versions.clear();
  }
}

/** The default `onEvict`: one line at once, then at most one per minute with the count since the last. */
function evictionWarning(
  max: number,
  logger: NonNullable<MemoryStoreOptions["logger"]>,
  now: () => number,
): (key: string) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let unreported = 0;
  return (key) => {
    unreported += 1;
    if (now() - lastAt < WARN_EVERY_MS) return;
    const what =
      unreported === 1
        ? `a completed key (${key}) still inside its retention window`
        : `${unreported} completed keys still inside their retention window (latest: ${key})`;
    logger.warn(
      `webhook-kit MemoryStore evicted ${what} because maxEntries (${max}) was reached: a retry of such a delivery would run again. Raise maxEntries above your deliveries per retention window, or use RedisStore.`,
    );
    lastAt = now();
    unreported = 0;
  };
}
