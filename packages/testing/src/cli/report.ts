import type { DeliveryOutcome } from "../outcome.js";
import { deliveryOutcome } from "../outcome.js";
import type { DeliveryAttempt, DeliveryResult } from "../send-delivery.js";
import { printable } from "./printable.js";
import type { Style } from "./style.js";

const MAX_SUMMARY = 300;

/**
 * The receiver's answer on one line: compact JSON, or the text with its line breaks folded; control
 * characters shown as escapes (the answer is whatever the server at --url chose to send).
 */
export function summariseBody(body: string | undefined): string {
  if (!body || body.trim() === "") return "(empty body)";
  let text: string;
  try {
    text = JSON.stringify(JSON.parse(body));
  } catch {
    text = body.replace(/\s+/g, " ").trim();
  }
  return printable(text.length > MAX_SUMMARY ? `${text.slice(0, MAX_SUMMARY)}…` : text);
}

const MARKS: Record<DeliveryOutcome, (s: Style) => string> = {
  handled: (s) => s.ok("✓"),
  processing: (s) => s.ok("✓"),
  queued: (s) => s.ok("✓"),
  delivered: (s) => s.ok("✓"),
  duplicate: (s) => s.warn("↺"),
  unhandled: (s) => s.warn("○"),
  stale: (s) => s.warn("↺"),
  redirected: (s) => s.bad("↪"),
  failed: (s) => s.bad("✗"),
};

/** `✓ attempt 1 → 200 {"received":true} (12 ms)` */
export function attemptLine(a: DeliveryAttempt, s: Style): string {
  const outcome = deliveryOutcome(a.status, a.responseBody, a.outcomeHeader);
  const answer =
    a.status !== undefined
      ? `${a.status} ${summariseBody(a.responseBody)}`
      : printable(a.error ?? "no response");
  return `${MARKS[outcome](s)} attempt ${a.attempt} → ${answer} ${s.dim(`(${a.durationMs} ms)`)}`;
}

export interface VerdictContext {
  event: string | undefined;
  /** --same, or bytes from --file / stdin: the body repeats. */
  repeated: boolean;
  same: boolean;
}

/** The closing line and the exit code: 0 ran, 1 not delivered (or redirected), 3 acknowledged but nothing ran. */
export function verdict(
  result: DeliveryResult,
  context: VerdictContext,
  s: Style,
): { line: string; code: number } {
  const what = context.event ? ` for ${context.event}` : "";
  const last = result.attempts[result.attempts.length - 1];
  switch (result.outcome) {
    case "handled":
      return { line: s.ok(`handled: the receiver ran its handlers${what} (${last?.status}).`), code: 0 };
    case "processing":
      return {
        line: s.ok(
          `accepted (${last?.status}): the receiver's handlers${what} are still running; a later failure reaches its onError, not this sender.`,
        ),
        code: 0,
      };
    case "queued":
      return {
        line: s.ok(
          `queued (${last?.status}): the receiver wrote the delivery${what} to its durable queue; its workers run the handlers (a payload that fails the schema becomes a dead letter: webhook-kit dead-letters list).`,
        ),
        code: 0,
      };
    case "delivered":
      return {
        line: s.ok(
          `delivered (${last?.status}): the receiver accepted it; its answer is not a webhook-kit acknowledgement, so whether a handler ran is unknown.`,
        ),
        code: 0,
      };
    case "duplicate": {
      const why = context.same
        ? "--same repeats one delivery; drop it to send a new event"
        : context.repeated
          ? "the same bytes are the same delivery; change them, or use --event for a fresh example"
          : "the receiver keys deliveries on something this send repeated (--id?)";
      return {
        line: s.warn(`duplicate: the receiver already had this delivery, so nothing ran (${why}).`),
        code: 3,
      };
    }
    case "stale":
      return {
        line: s.warn(
          "stale: the receiver already applied a newer version of this entity (ordering); it acknowledged the delivery and ran nothing.",
        ),
        code: 3,
      };
    case "unhandled":
      return {
        line: s.warn(
          `not handled: the receiver has no handler${what}; it acknowledged the delivery and ran nothing.`,
        ),
        code: 3,
      };
    case "redirected": {
      const senders = "webhook senders do not follow redirects";
      const to = last?.location ? printable(last.location) : undefined;
      return {
        line: s.bad(
          to
            ? `redirected (${last?.status}) to ${to}; ${senders} — point --url at ${to}.`
            : `redirected (${last?.status}) without a Location; ${senders} — check --url.`,
        ),
        code: 1,
      };
    }
    case "failed":
      return {
        line: s.bad(`not delivered after ${result.attempts.length} attempt(s)${failureHint(last)}`),
        code: 1,
      };
  }
}

/** A full stop unless the text already ends a sentence ("…that port?" stays as it is). */
const endSentence = (text: string) => (/[.?!]$/.test(text) ? text : `${text}.`);

function failureHint(last: DeliveryAttempt | undefined): string {
  if (!last) return ".";
  if (last.status === undefined) return `: ${endSentence(printable(last.error ?? "no response"))}`;
  let code = "";
  try {
    code = String((JSON.parse(last.responseBody ?? "") as { error?: unknown }).error ?? "");
  } catch {}
  const hints: Record<string, string> = {
    invalid_signature: "is --secret the receiver's secret, and --provider its provider?",
    missing_signature: "does --provider match the receiver's provider?",
    timestamp_out_of_range: "are both clocks right? (--timestamp overrides the signed time)",
    invalid_payload: "the body does not fit the receiver's schema for this event; see the issues above.",
  };
  const hint = hints[code] ?? (last.status === 404 ? "check the path in --url." : undefined);
  return `: ${last.status}${code ? ` ${printable(code)}` : ""}${hint ? ` — ${hint}` : "."}`;
}
