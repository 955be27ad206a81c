import type { DeadLetter } from "@webhook-kit/core";
import type { CliIo } from "./io.js";
import { type LocateQueue, locateBullMQQueue, queueExists } from "./locate-queue.js";
import { printable as p } from "./printable.js";
import type { Style } from "./style.js";
import { UsageError } from "./usage-error.js";

/** The options `dead-letters` reads. */
export interface DeadLetterArgs {
  redis?: string | undefined;
  postgres?: string | undefined;
  queue?: string | undefined;
  prefix?: string | undefined;
  limit?: string | undefined;
  json?: boolean | undefined;
}

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);

/**
 * `dead-letters list | replay <key> | remove <key>`: the jobs a queue gave up on. Exit 0 done, 1 the queue
 * could not be reached, 2 usage, no queue of that name (the ones that exist are listed) or no dead letter
 * with that key.
 */
export async function deadLetters(
  positionals: readonly string[],
  args: DeadLetterArgs,
  io: CliIo,
  s: Style,
  locate: LocateQueue = locateBullMQQueue,
): Promise<number> {
  const [action, key, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra.join(" ")}`);
  if (action !== "list" && action !== "replay" && action !== "remove")
    throw new UsageError(
      action === undefined
        ? "dead-letters needs an action: list, replay <key> or remove <key>."
        : `Unknown dead-letters action "${action}" (list, replay <key>, remove <key>).`,
    );
  if (action === "list" && key !== undefined) throw new UsageError(`Unexpected argument: ${key}`);
  if (action !== "list" && key === undefined)
    throw new UsageError(`dead-letters ${action} needs the key of a dead letter (see dead-letters list).`);
  const limit = parseLimit(args.limit);
  const located = await locate("dead-letters", args);
  const operation = { list: "listDeadLetters", replay: "replayDeadLetter", remove: "removeDeadLetter" }[
    action
  ];
  if (!(await queueExists(located, operation, args, io, s))) return 2;
  const queue = located.open();
  try {
    if (action === "list") {
      const letters = await queue.listDeadLetters({ limit });
      if (args.json) line(io, JSON.stringify(letters, null, 2));
      else printLetters(io, s, letters, queueLabel(args), Date.now());
      return 0;
    }
    const found =
      action === "replay"
        ? await queue.replayDeadLetter(key as string)
        : await queue.removeDeadLetter(key as string);
    if (!found) {
      const message = `no dead letter with key "${key}" in ${queueLabel(args)} (see dead-letters list).`;
      io.stderr.write(`${s.bad("error:")} ${p(message)}\n`);
      // A script reading --json gets one JSON document on stdout whatever happened.
      if (args.json) line(io, JSON.stringify({ error: "no_such_dead_letter", key, message }));
      return 2;
    }
    if (args.json) line(io, JSON.stringify({ [action === "replay" ? "replayed" : "removed"]: key }));
    else
      line(
        io,
        action === "replay"
          ? `${s.ok("↻")} replayed ${p(key as string)}: back on the queue from attempt 1; handlers it records as done are skipped only where this deploy has them under the same id (docs/durable.md, "Handler ids")`
          : `${s.ok("✓")} removed ${p(key as string)}`,
      );
    return 0;
  } finally {
    await queue.close();
  }
}

function parseLimit(value: string | undefined): number {
  if (value === undefined) return 100;
  const limit = Number(value);
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a positive integer (got ${value}).`);
  return limit;
}

const queueLabel = (args: DeadLetterArgs) => `queue "${args.queue}"`;

/** Everything a dead letter holds came from a sender or a handler: printed through `printable`. */

function printLetters(io: CliIo, s: Style, letters: readonly DeadLetter[], label: string, now: number) {
  if (letters.length === 0) {
    line(io, `no dead letters in ${p(label)}`);
    return;
  }
  line(io, `${letters.length} dead letter${letters.length === 1 ? "" : "s"} in ${p(label)}, newest first`);
  for (const letter of letters) {
    const attempts = `${letter.attempts} attempt${letter.attempts === 1 ? "" : "s"}`;
    const age =
      letter.failedAt > 0 ? `failed ${formatAge(now - letter.failedAt)} ago` : "failed (time unknown)";
    line(io, "");
    line(
      io,
      `${s.bad("✗")} ${s.bold(p(letter.type || "(unknown type)"))}  ${s.dim(`${p(letter.provider)}  ${attempts}  ${age}`)}`,
    );
    line(io, `  key    ${p(letter.key)}`);
    if (letter.tenant !== undefined) line(io, `  tenant ${p(letter.tenant)}`);
    line(io, `  reason ${p(letter.reason ?? "(not recorded)")}`);
    line(io, `  error  ${p(letter.error)}`);
    if (letter.done.length > 0) line(io, `  done   ${p(letter.done.join(", "))}`);
    for (const issue of letter.issues ?? [])
      line(io, `  issue  ${p(issue.path || "(root)")}: ${p(issue.message)}`);
  }
}

/** "42s", "7m", "5h", "3d": how long ago, to the unit a person reads at a glance. */
export function formatAge(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.round(hours / 24)}d`;
}
