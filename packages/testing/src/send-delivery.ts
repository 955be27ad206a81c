import type { Provider } from "@webhook-kit/core";
import { OUTCOME_HEADER } from "@webhook-kit/core";
import { describeNetworkError } from "./network-error.js";
import { type DeliveryOutcome, deliveryOutcome } from "./outcome.js";
import { newDeliveryId, resolveProfile, type SignDeliveryInput, signDelivery } from "./sign-delivery.js";

export interface DeliveryAttempt {
  /** 1-based. */
  attempt: number;
  /** The (scaled) wait before this attempt, in ms. */
  delayMs: number;
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The network error or timeout, when none did, in words (e.g. "ECONNREFUSED 127.0.0.1:9: connection refused: …"). */
  error?: string;
  /** Its code: ECONNREFUSED, ENOTFOUND, ECONNRESET, timeout, … */
  errorCode?: string;
  /** The response body (first 2 KiB), for debugging. */
  responseBody?: string;
  /** The `webhook-kit-outcome` response header: what a webhook-kit receiver says it did. */
  outcomeHeader?: string;
  /** The `Location` of a 3xx answer, resolved against the URL sent to: where --url should point. */
  location?: string;
  durationMs: number;
}

export interface DeliveryResult {
  /** True when an attempt got a 2xx: what the sender counts as delivered, whether or not anything ran. */
  delivered: boolean;
  /**
   * What the last answer meant: handled, processing, duplicate (nothing ran), unhandled (nothing ran), …;
   * `redirected` when the receiver answered 3xx: a sender does not follow it, so nothing was delivered and
   * no further attempt is made (the same URL would redirect again). Point the URL at the attempt's `location`.
   */
  outcome: DeliveryOutcome;
  attempts: DeliveryAttempt[];
}

export interface SendDeliveryOptions extends SignDeliveryInput {
  /** Multiplies every wait of the platform's schedule: 0.001 turns 30 s into 30 ms. Default 1. */
  timeScale?: number;
  /**
   * Delays before each attempt (ms, unscaled). Default: the platform profile's (a `platform` override, or an
   * assumed one where the platform publishes none), else the provider's `retrySchedule`, else one attempt.
   * Each delay must be a finite number ≥ 0 and, times `timeScale`, at most 2^31 − 1 ms (a RangeError
   * before anything is sent otherwise).
   */
  schedule?: readonly number[];
  /** Stop after this many attempts (≤ the schedule's length). */
  maxAttempts?: number;
  /** How long one attempt may take before it counts as failed, like the sender's timeout. Default: the provider's timeoutMs, else 10 s. */
  timeoutMs?: number;
  /** Called after each attempt (progress output, assertions). */
  onAttempt?(attempt: DeliveryAttempt): void;
  /** Injectable fetch. Default: the global one. */
  fetch?: typeof fetch;
}

/** A relative `Location` made absolute, so it can be given as the URL as it is. */
function resolveLocation(location: string, base: string): string {
  try {
    return new URL(location, base).href;
  } catch {
    return location;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The longest wait `setTimeout` honours (2^31 − 1 ms, about 24.8 days); past it Node fires after 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Refuses a schedule that cannot be replayed as written, before anything is sent: a delay that is not a
 * number ≥ 0, or one that, scaled, is longer than a timer can wait.
 */
function checkSchedule(schedule: readonly number[], scale: number): void {
  for (const [index, delay] of schedule.entries()) {
    const where = `retry schedule: delay #${index + 1} is ${delay} ms`;
    if (typeof delay !== "number" || !Number.isFinite(delay) || delay < 0)
      throw new RangeError(`sendDelivery: ${where}; every delay must be a finite number of ms ≥ 0.`);
    if (delay * scale > MAX_DELAY_MS)
      throw new RangeError(
        `sendDelivery: ${where}${scale === 1 ? "" : ` (× timeScale ${scale})`}, longer than a timer can wait (${MAX_DELAY_MS} ms, about 24.8 days); shorten it or pass a smaller timeScale.`,
      );
  }
}

/**
 * Sends a signed delivery to `url` the way the platform does: same bytes on every attempt (re-signed with a
 * fresh timestamp where the platform does, same id), retried on its documented schedule until a 2xx.
 * `outcome` says what the 2xx meant: sending the same fixture twice is a redelivery (`"duplicate"`, nothing
 * ran); wrap it in `freshPayload` for a new event.
 *
 * @example
 * const result = await sendDelivery("http://localhost:3000/webhooks", providers.eudr({ secret }),
 *   fixtures.eudr["supplier.created"], { timeScale: 0.001 });
 * expect(result.delivered).toBe(true);
 */
export async function sendDelivery(
  url: string,
  provider: Pick<Provider, "name" | "signature" | "timeoutMs" | "retrySchedule">,
  payload: unknown,
  options: SendDeliveryOptions = {},
): Promise<DeliveryResult> {
  const profile = resolveProfile(provider, options.platform);
  const scale = options.timeScale ?? 1;
  if (!(scale >= 0) || !Number.isFinite(scale))
    throw new RangeError("sendDelivery: timeScale must be a finite number ≥ 0.");
  const schedule = (options.schedule ?? profile.retrySchedule ?? provider.retrySchedule ?? [0]).slice(
    0,
    options.maxAttempts ?? Number.POSITIVE_INFINITY,
  );
  checkSchedule(schedule, scale);
  const timeoutMs = options.timeoutMs ?? provider.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? globalThis.fetch;
  // One id for every attempt: a retry is the same delivery.
  const input: SignDeliveryInput = { ...options, id: options.id ?? newDeliveryId(provider.name) };
  let signed = await signDelivery(provider, payload, input);
  const attempts: DeliveryAttempt[] = [];

  for (const [index, delay] of (schedule.length > 0 ? schedule : [0]).entries()) {
    const delayMs = Math.round(delay * scale);
    if (delayMs > 0) await sleep(delayMs);
    if (index > 0 && profile.resignEachAttempt && options.timestamp === undefined) {
      signed = await signDelivery(provider, payload, input);
    }
    const started = Date.now();
    const attempt: DeliveryAttempt = { attempt: index + 1, delayMs, durationMs: 0 };
    try {
      const response = await doFetch(url, {
        method: "POST",
        headers: signed.headers,
        body: signed.body,
        signal: AbortSignal.timeout(timeoutMs),
        // Platforms do not follow redirects; following one here would report a host the sender never reaches.
        redirect: "manual",
      });
      attempt.status = response.status;
      const named = response.headers.get(OUTCOME_HEADER);
      if (named !== null) attempt.outcomeHeader = named;
      const location = response.headers.get("location");
      if (response.status >= 300 && response.status < 400 && location !== null)
        attempt.location = resolveLocation(location, url);
      attempt.responseBody = (await response.text()).slice(0, 2048);
    } catch (error) {
      const described = describeNetworkError(error, url, timeoutMs);
      attempt.error = described.message;
      attempt.errorCode = described.code;
    }
    attempt.durationMs = Date.now() - started;
    attempts.push(attempt);
    options.onAttempt?.(attempt);
    const outcome = deliveryOutcome(attempt.status, attempt.responseBody, attempt.outcomeHeader);
    if (outcome === "redirected") return { delivered: false, outcome, attempts };
    if (outcome !== "failed") return { delivered: true, outcome, attempts };
  }
  return { delivered: false, outcome: "failed", attempts };
}
