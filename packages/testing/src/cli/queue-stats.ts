import type { DeadLetterReason, QueueStatus } from "@webhook-kit/core";
import { formatAge } from "./dead-letters.js";
import type { CliIo } from "./io.js";
import { printable as p } from "./printable.js";
import type { Style } from "./style.js";

/** Every reason, in the order both outputs list them: a script finds each key whether or not it is 0. */
const REASONS: readonly DeadLetterReason[] = [
  "attempts_exhausted",
  "invalid_payload",
  "undecodable",
  "no_handler",
  "wrong_endpoint",
];

/**
 * The `queue stats --json` document. Its keys are fixed: every count is a number, every reason present;
 * `oldestWaitingMs` and the reason counts are null when the queue cannot tell. `deadLettersCounted` is how
 * many dead letters the reason counts cover (the newest ones): below `deadLetters` on a large queue.
 */
export interface QueueStats {
  queue: string;
  paused: boolean;
  waiting: number;
  running: number;
  delayed: number;
  deadLetters: number;
  oldestWaitingMs: number | null;
  deadLettersByReason: Record<DeadLetterReason, number> | null;
  deadLettersCounted: number | null;
}

export function queueStats(queue: string, status: QueueStatus): QueueStats {
  const byReason = status.deadLettersByReason;
  const counts = byReason
    ? (Object.fromEntries(REASONS.map((reason) => [reason, byReason[reason] ?? 0])) as Record<
        DeadLetterReason,
        number
      >)
    : null;
  return {
    queue,
    paused: status.paused,
    waiting: status.waiting,
    running: status.running,
    delayed: status.delayed,
    deadLetters: status.deadLetters,
    oldestWaitingMs: status.oldestWaitingMs ?? null,
    deadLettersByReason: counts,
    deadLettersCounted: counts ? Object.values(counts).reduce((sum, n) => sum + n, 0) : null,
  };
}

/** Short, aligned: one label column, one number column; reasons with no dead letter are left out. */
export function printStats(io: CliIo, s: Style, stats: QueueStats): void {
  const rows: [string, string][] = [
    ["waiting", String(stats.waiting)],
    ["running", String(stats.running)],
    ["delayed", String(stats.delayed)],
    ["dead letters", String(stats.deadLetters)],
    ["oldest waiting", stats.oldestWaitingMs === null ? "unknown" : age(stats)],
  ];
  const reasons = stats.deadLettersByReason
    ? REASONS.filter((reason) => (stats.deadLettersByReason?.[reason] ?? 0) > 0).map(
        (reason): [string, string] => [`  ${reason}`, String(stats.deadLettersByReason?.[reason])],
      )
    : [];
  const width = Math.max(...[...rows, ...reasons].map(([label]) => label.length));
  const numbers = Math.max(...[...rows, ...reasons].map(([, value]) => value.length));
  const print = ([label, value]: [string, string]) =>
    io.stdout.write(`  ${label.padEnd(width)}  ${value.padStart(numbers)}\n`);
  io.stdout.write(`queue "${p(stats.queue)}" is ${stats.paused ? s.bad("paused") : s.ok("running")}\n`);
  rows.forEach(print);
  reasons.forEach(print);
  const counted = stats.deadLettersCounted;
  if (counted !== null && counted < stats.deadLetters)
    io.stdout.write(s.dim(`  (reasons of the newest ${counted} of ${stats.deadLetters} dead letters)\n`));
}

/** "none" with nothing waiting, else the age at a glance (formatAge) — "0s" for a job that just arrived. */
function age(stats: QueueStats): string {
  if (stats.waiting + stats.delayed === 0) return "none";
  return formatAge(stats.oldestWaitingMs ?? 0);
}
