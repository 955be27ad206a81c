import { LRUCache } from "lru-cache";
import { invalidConfig, StoreFullError } from "../errors.js";
import type { CallDeadline, ClaimResult, IdempotencyStore, VersionAdvance, VersionStore } from "./types.js";

export interface MemoryStoreOptions {
  /**
   * Upper bound on remembered keys, completed and in progress together. Default 100 000 (≈ 10–20 MB of heap
   * with typical keys: ≈ 100–200 bytes a key, measured); at most `MAX_MEMORY_ENTRIES` (5 000 000, ≈ 0.6–1.1 GB
   * when full: past that, share a RedisStore or PostgresStore). Anything else throws `invalid_config`. Completed keys are evicted least recently used first; claims whose
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

/** A delivery being handled: who owns it and until when (ms on the store's clock, see `#clock`). */
interface Claim {
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
  readonly #claims = new Map<string, Claim>();
  /**
   * Completed key → when it expires, and nothing else: under sustained load every delivery ends up here and
   * is later evicted as garbage of the old generation, so each entry is kept as small as it can be (no object,
   * no token; see `#clock` for why the number is small too).
   */
  readonly #completed: LRUCache<string, number>;
  readonly #now: () => number;
  readonly #epoch: number;
  /** Entity → latest applied version (ordering), bounded like the keys: least recently used go first. */
  readonly #versions: LRUCache<string, { version: number; expiresAt: number }>;

  constructor(options: MemoryStoreOptions = {}) {
    const max = entryCount("MemoryStore", "maxEntries", options.maxEntries, 100_000);
    this.#max = max;
    this.#now = options.now ?? Date.now;
    this.#epoch = this.#now();
    const onEvict = options.onEvict ?? evictionWarning(max, options.logger ?? console, this.#now);
    // Evictions are made by #makeRoom, which knows about claims; `max` here is only a backstop. A key
    // evicted while still inside its retention window is reported: a retry of it would run again.
    this.#completed = new LRUCache<string, number>({
      max,
      dispose: (expiresAt, key, reason) => {
        if (reason === "evict" && expiresAt > this.#clock()) onEvict(key);
      },
    });
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

  /**
   * Milliseconds since the store was made. Expiry times on this clock stay small integers (V8 keeps them
   * inline, no heap number per entry) for retention windows up to ≈ 12 days; past that they are still exact.
   */
  #clock(): number {
    return this.#now() - this.#epoch;
  }

  /** The live claim or completed key's expiry for `key`; an expired one is dropped on the way. */
  #live(key: string, now: number): Claim | number | undefined {
    const claim = this.#claims.get(key);
    if (claim) {
      if (claim.expiresAt > now) return claim;
      this.#claims.delete(key);
    }
    const doneUntil = this.#completed.get(key);
    if (doneUntil !== undefined) {
      if (doneUntil > now) return doneUntil;
      this.#completed.delete(key);
    }
    return undefined;
  }

  /**
   * Frees one slot for a new claim: the least recently used completed key, else an expired claim. Returns the
   * time a new lease starts from (`now`, or the clock after a pass over every claim), undefined when no slot
   * is free.
   */
  #makeRoom(now: number): number | undefined {
    if (this.size < this.#max) return now;
    // `pop` evicts the least recently used completed key (reported by `dispose` if still retained).
    if (this.#completed.size > 0) {
      this.#completed.pop();
      return now;
    }
    // Every slot holds a claim: only expired ones (crashed owners) may go. O(n), but only when full.
    for (const [key, claim] of this.#claims) if (claim.expiresAt <= now) this.#claims.delete(key);
    return this.size < this.#max ? this.#clock() : undefined;
  }

  // `deadline` is accepted and ignored: every call settles at once, without I/O (`inProcess`).
  async claim(key: string, options: { leaseMs: number } & CallDeadline): Promise<ClaimResult> {
    return this.#claim(key, options);
  }

  #claim(key: string, { leaseMs }: { leaseMs: number }): ClaimResult {
    // One clock read per call (two a delivery: claim, complete), unless a full store is scanned for room.
    const now = this.#clock();
    const entry = this.#live(key, now);
    if (typeof entry === "number") return { status: "completed" };
    if (entry) return { status: "in_progress", retryAfterMs: entry.expiresAt - now };
    const leaseFrom = this.#makeRoom(now);
    if (leaseFrom === undefined) {
      // The receiver answers 503 store_unavailable + Retry-After: the sender retries, nothing is lost.
      throw new StoreFullError(
        `MemoryStore is full: all ${this.#max} entries are deliveries still being processed. Raise maxEntries or use RedisStore.`,
      );
    }
    // Unique per claim (a token is the proof of ownership); within one process a counter behind a random
    // per-store prefix is enough, and much cheaper than a UUID per delivery.
    const token = `${this.#tokenPrefix}${++this.#claimCount}`;
    // A key built by concatenation (`${namespace}:${id}`, an id that was itself built so) is a chain of
    // string pieces, and a Map keeps the chain as it is: ≈ 550 instead of ≈ 100 bytes for a key from
    // randomUUID(), held for the whole retention. trim() flattens the chain in place (the key itself is kept
    // as it is, whitespace and all), on Node 20, 22 and 24 alike. A property lookup did so too, but it also
    // interned every key: ≈ 1 µs a delivery, ≈ 4–9 % of a request's CPU under load (bench/ab.mjs).
    key.trim();
    this.#claims.set(key, { token, expiresAt: leaseFrom + leaseMs });
    return { status: "claimed", token };
  }

  /** The live claim `token` owns, if any: the one lookup complete/release/renew need. */
  #owned(key: string, token: string, now: number): Claim | undefined {
    const entry = this.#claims.get(key);
    if (!entry || entry.token !== token) return undefined;
    if (entry.expiresAt > now) return entry;
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
    const now = this.#clock();
    if (!this.#owned(key, token, now)) return false;
    // The claim's slot becomes the completed key's, so the total never grows here.
    this.#claims.delete(key);
    this.#completed.set(key, now + retentionMs);
    return true;
  }

  async release(key: string, token: string, _options?: CallDeadline): Promise<boolean> {
    return this.#release(key, token);
  }

  #release(key: string, token: string): boolean {
    if (!this.#owned(key, token, this.#clock())) return false;
    this.#claims.delete(key);
    return true;
  }

  async renew(key: string, token: string, options: { leaseMs: number } & CallDeadline): Promise<boolean> {
    return this.#renew(key, token, options);
  }

  /** Always answers: the store lives in this process. */
  async ping(): Promise<void> {}

  #renew(key: string, token: string, { leaseMs }: { leaseMs: number }): boolean {
    const now = this.#clock();
    const entry = this.#owned(key, token, now);
    if (!entry) return false;
    entry.expiresAt = now + leaseMs;
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
