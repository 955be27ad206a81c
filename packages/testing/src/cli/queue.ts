import type { QueueStatus } from "@webhook-kit/core";
import type { CliIo } from "./io.js";
import { type LocateQueue, locateBullMQQueue, queueExists } from "./locate-queue.js";
import { printable as p } from "./printable.js";
import { printStats, queueStats } from "./queue-stats.js";
import type { Style } from "./style.js";
import { UsageError } from "./usage-error.js";

/** The options `queue` reads. */
export interface QueueArgs {
  redis?: string | undefined;
  postgres?: string | undefined;
  queue?: string | undefined;
  prefix?: string | undefined;
  json?: boolean | undefined;
}

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);

/**
 * `queue pause | resume | status | stats`: the queue-wide switch for an incident, and what the queue holds.
 * While paused no worker starts a job; receivers keep accepting and queueing, so nothing is lost. `stats`
 * adds the oldest waiting job's age and the dead letters by reason. Exit 0 done, 1 the queue could not be
 * reached, 2 usage or no queue of that name (the ones that exist are listed).
 */
export async function queueCommand(
  positionals: readonly string[],
  args: QueueArgs,
  io: CliIo,
  s: Style,
  locate: LocateQueue = locateBullMQQueue,
): Promise<number> {
  const [action, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra.join(" ")}`);
  if (action !== "pause" && action !== "resume" && action !== "status" && action !== "stats")
    throw new UsageError(
      action === undefined
        ? "queue needs an action: pause, resume, status or stats."
        : `Unknown queue action "${action}" (pause, resume, status, stats).`,
    );
  const located = await locate("queue", args);
  const name = args.queue as string;
  if (!(await queueExists(located, action, args, io, s))) return 2;
  const queue = located.open();
  try {
    if (!queue.pause || !queue.resume || !queue.status)
      throw new Error("this queue has no queue-wide pause (pause, resume, status).");
    if (action === "pause") await queue.pause();
    if (action === "resume") await queue.resume();
    const status = await queue.status();
    if (action === "stats") {
      const stats = queueStats(name, status);
      if (args.json) line(io, JSON.stringify(stats));
      else printStats(io, s, stats);
      return 0;
    }
    // The fields this output had before `stats` existed, and only those: scripts read it as it was.
    const { paused, waiting, running, delayed, deadLetters } = status;
    if (args.json) line(io, JSON.stringify({ queue: name, paused, waiting, running, delayed, deadLetters }));
    else printStatus(io, s, name, status, action);
    return 0;
  } finally {
    await queue.close();
  }
}

function printStatus(io: CliIo, s: Style, name: string, status: QueueStatus, action: string) {
  const label = `queue "${p(name)}"`;
  if (action === "pause")
    line(
      io,
      `${s.ok("⏸")} paused ${label}: no worker starts a job; running ones finish; receivers keep queueing. Undo with: webhook-kit queue resume …`,
    );
  if (action === "resume") line(io, `${s.ok("▶")} resumed ${label}: workers take jobs again`);
  if (action === "status") line(io, `${label} is ${status.paused ? s.bad("paused") : s.ok("running")}`);
  line(
    io,
    `  waiting ${status.waiting}  running ${status.running}  delayed ${status.delayed}  dead letters ${status.deadLetters}`,
  );
}
