/** The answer to a claim: run it, someone else is running it, or it is already done. */
export type ClaimResult =
  | { status: "claimed"; token: string }
  | { status: "in_progress"; retryAfterMs: number }
  | { status: "completed" };

/**
 * Claim → complete / release, with a lease. Every implementation passes the same conformance suite
 * (test/conformance/store-suite.ts). Each method is atomic; `complete`, `release` and `renew` act only when
 * `token` still owns the claim, so an owner whose lease expired can never touch a newer claim.
 */
export interface IdempotencyStore {
  /**
   * True when every call settles without I/O (MemoryStore): the receiver then spends no time budget on it.
   * Leave unset for anything that talks to a server.
   */
  readonly inProcess?: boolean;
  /** Atomically claims `key` for `leaseMs`, unless it is completed or held by a live lease. */
  claim(key: string, options: { leaseMs: number }): Promise<ClaimResult>;
  /** Marks the claim done and remembers it for `retentionMs`. False when `token` no longer owns it. */
  complete(key: string, token: string, options: { retentionMs: number }): Promise<boolean>;
  /** Forgets a failed attempt so the sender's retry runs again. False when `token` no longer owns it. */
  release(key: string, token: string): Promise<boolean>;
  /** Extends a live claim's lease while handlers run. False when `token` no longer owns it. */
  renew(key: string, token: string, options: { leaseMs: number }): Promise<boolean>;
}
