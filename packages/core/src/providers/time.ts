// Units and the sender-timeout default, in a module that imports nothing, so the provider definition,
// retention and the receiver's options can all use them without importing each other.
export const SECOND = 1_000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;

/** The sender's timeout when a provider states none. */
export const DEFAULT_SENDER_TIMEOUT_MS = 10 * SECOND;
