import { errorText } from "./error-text.js";
import { invalidConfig } from "./errors.js";
import type { DeliveryQueue } from "./queue/types.js";
import type { CallDeadline, IdempotencyStore } from "./store/types.js";

/**
 * Why a check failed, a stable code for probes and alerts:
 * - `timeout`: no answer within the check's budget (`timeoutMs`);
 * - `unavailable`: it answered with an error (connection refused, schema missing, closed).
 */
export type HealthError = "timeout" | "unavailable";

/** One dependency's answer to a health check. */
export interface HealthCheck {
  /** True when it answered within its budget. */
  ok: boolean;
  /** How long the check took, in whole ms. */
  ms: number;
  /** Why it is not ok. */
  error?: HealthError;
  /** One line saying what went wrong, for the operator; credentials in URLs are masked. */
  message?: string;
  /** True when there was nothing to ask: a custom store or queue without `ping()`. Such a check is ok. */
  skipped?: true;
}

/** What `receiver.health()` reports: ok when every dependency a delivery needs answers in time. */
export interface ReceiverHealth {
  ok: boolean;
  checks: {
    /** The idempotency store (every delivery claims a key there). */
    store: HealthCheck;
    /** The queue deliveries are handed to; absent without one (`createReceiver({ queue })`). */
    queue?: HealthCheck;
  };
}

/** What `worker.health()` reports: ok when the worker is consuming and its queue answers in time. */
export interface WorkerHealth {
  ok: boolean;
  /** `consuming` until `pause()` (then `paused` until `resume()`) or `close()` (then `closed` for good). */
  state: "consuming" | "paused" | "closed";
  checks: { queue: HealthCheck };
}

export interface HealthOptions {
  /**
   * Budget of each check, in ms; the checks run at once, so the whole call settles within about this long
   * (never hangs). Keep it under your probe's own timeout. Default 1000; a positive integer.
   */
  timeoutMs?: number;
}

const DEFAULT_HEALTH_TIMEOUT_MS = 1_000;
const MAX_HEALTH_TIMEOUT_MS = 2 ** 31 - 1;

/** Reads `timeoutMs` of `health(options)`; a wrong one is refused like any other option. */
export function healthBudget(options: HealthOptions | undefined, where: string): number {
  const ms = options?.timeoutMs;
  if (ms === undefined) return DEFAULT_HEALTH_TIMEOUT_MS;
  // Above 2^31-1 ms Node fires a timer at once: the check would answer a false `timeout` in a few ms.
  if (!Number.isSafeInteger(ms) || ms < 1 || ms > MAX_HEALTH_TIMEOUT_MS)
    throw invalidConfig(
      `timeoutMs must be a positive integer of ms, at most ${MAX_HEALTH_TIMEOUT_MS} (Node's longest timer), e.g. 1000 (got ${String(ms)}).`,
      where,
    );
  return ms;
}

/** Something that can answer a ping: a store or a queue. */
type Pingable = { ping?(options?: CallDeadline): Promise<void> };

/**
 * Pings `target` within `budgetMs`. The deadline is passed down (a store or queue stops by it), and a timer
 * of our own settles the check anyway, so a ping that ignores its deadline cannot hang a probe.
 */
export async function pingCheck(target: Pingable, budgetMs: number): Promise<HealthCheck> {
  if (typeof target.ping !== "function") return { ok: true, ms: 0, skipped: true };
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), budgetMs);
  });
  try {
    const ping = Promise.resolve().then(() => target.ping?.({ deadline: Date.now() + budgetMs }));
    ping.catch(() => {}); // settled after the timeout: nobody waits for it any more
    const answer = await Promise.race([ping.then(() => "ok" as const), timeout]);
    if (answer === "ok") return { ok: true, ms: ms() };
    return { ok: false, ms: ms(), error: "timeout", message: `no answer within ${budgetMs} ms` };
  } catch (error) {
    return { ok: false, ms: ms(), error: "unavailable", message: masked(errorText(error)) };
  } finally {
    clearTimeout(timer);
  }
}

/** The receiver's readiness: its store and its queue, checked at once. */
export async function receiverHealth(
  store: IdempotencyStore,
  queue: DeliveryQueue | undefined,
  budgetMs: number,
): Promise<ReceiverHealth> {
  const [storeCheck, queueCheck] = await Promise.all([
    pingCheck(store, budgetMs),
    queue ? pingCheck(queue, budgetMs) : undefined,
  ]);
  const checks: ReceiverHealth["checks"] = { store: storeCheck };
  if (queueCheck) checks.queue = queueCheck;
  return { ok: storeCheck.ok && (queueCheck?.ok ?? true), checks };
}

/** A worker's liveness: its own state, then its queue. */
export async function workerHealth(
  state: WorkerHealth["state"],
  queue: DeliveryQueue,
  budgetMs: number,
): Promise<WorkerHealth> {
  const queueCheck = await pingCheck(queue, budgetMs);
  return { ok: state === "consuming" && queueCheck.ok, state, checks: { queue: queueCheck } };
}

/**
 * A probe's answer is often served to anyone who can reach the port: a driver's message quoting a URL
 * must not carry its password.
 */
function masked(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, "$1***@").slice(0, 300);
}
