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
}
