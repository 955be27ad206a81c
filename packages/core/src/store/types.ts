/** The answer to a claim: run it, someone else is running it, or it is already done. */
export type ClaimResult =
  | { status: "claimed"; token: string }
  | { status: "in_progress"; retryAfterMs: number }
  | { status: "completed" };

/**
 * When a store (or queue) call must be settled by: an absolute time in ms since epoch (`Date.now()`'s
 * clock). The receiver passes `Date.now() + storeTimeoutMs` with every store call (`queueTimeoutMs` with
 * every enqueue). A number, not an AbortSignal: it costs no
 * allocation on the hot path, and a store can compare it with `Date.now()` or hand `deadline - Date.now()`
 * to its driver's own timeout.
 */
export interface CallDeadline {
  /** Absent when the store is used directly: the store then applies its own documented default budget. */
  deadline?: number | undefined;
}

/**
 * Claim → complete / release, with a lease. Every implementation passes the same conformance suite
 * (`describeStoreConformance` in `@webhook-kit/testing/conformance`). Each method is atomic; `complete`, `release` and `renew` act only when
 * `token` still owns the claim, so an owner whose lease expired can never touch a newer claim.
 */
export interface IdempotencyStore {
  /**
   * True when every call settles without I/O (MemoryStore): the receiver then spends no time budget on it.
   * Leave unset for anything that talks to a server.
   */
  readonly inProcess?: boolean;
  /**
   * True when every call settles (rejects, if need be) by the `deadline` it is given and starts no work past
   * it: the receiver then sets no timer of its own. Leave unset and the receiver bounds each call itself.
   */
  readonly honoursDeadline?: boolean;
  /** Atomically claims `key` for `leaseMs`, unless it is completed or held by a live lease. */
  claim(key: string, options: { leaseMs: number } & CallDeadline): Promise<ClaimResult>;
  /** Marks the claim done and remembers it for `retentionMs`. False when `token` no longer owns it. */
  complete(key: string, token: string, options: { retentionMs: number } & CallDeadline): Promise<boolean>;
  /** Forgets a failed attempt so the sender's retry runs again. False when `token` no longer owns it. */
  release(key: string, token: string, options?: CallDeadline): Promise<boolean>;
  /** Extends a live claim's lease while handlers run. False when `token` no longer owns it. */
  renew(key: string, token: string, options: { leaseMs: number } & CallDeadline): Promise<boolean>;
  /**
   * Resolves when the store can serve calls now (connected, schema in place), rejects otherwise; by the
   * `deadline` like every call. It reads no stored key and writes nothing. `receiver.health()` asks it;
   * without it the store's check is reported `skipped`.
   */
  ping?(options?: CallDeadline): Promise<void>;
}

/** What `advanceVersion` did: whether `version` became the entity's latest, and the latest now held. */
export interface VersionAdvance {
  /** True when the store held no live version for the entity, or a strictly smaller one, and now holds `version`. */
  advanced: boolean;
  /** The entity's latest applied version after the call (`version` itself when it advanced). */
  latest: number;
}

/**
 * The optional capability `ordering` needs (createReceiver({ ordering })): the last applied version of each
 * entity, a number (core turns timestamps into epoch microseconds). Both calls are one atomic round trip and
 * honour `deadline` like the idempotency calls. Entity keys are namespaced by the receiver and may hold any
 * string; the store keeps them apart from delivery keys.
 */
export interface VersionStore {
  /** The entity's latest applied version, or undefined when none is remembered. */
  latestVersion(entity: string, options?: CallDeadline): Promise<number | undefined>;
  /**
   * Atomic compare-and-set with max semantics: stores `version` only when it is greater than the one held
   * (or none is), remembering it `retentionMs` from now. It never moves backwards, and of concurrent calls
   * with one version exactly one advances.
   */
  advanceVersion(
    entity: string,
    version: number,
    options: { retentionMs: number } & CallDeadline,
  ): Promise<VersionAdvance>;
}

/** True when `store` implements the `VersionStore` capability as well. */
export function hasVersions(store: IdempotencyStore): store is IdempotencyStore & VersionStore {
  const s = store as Partial<VersionStore>;
  return typeof s.latestVersion === "function" && typeof s.advanceVersion === "function";
}
