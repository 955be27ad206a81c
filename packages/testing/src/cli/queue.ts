import type { DeliveryQueue, QueueStatus } from "@webhook-kit/core";
import type { CliIo } from "./io.js";
import { printable as p } from "./printable.js";
import { printStats, queueStats } from "./queue-stats.js";
import { ANSWER_WITHIN_MS, answerWithin, checkQueueTarget } from "./queue-target.js";
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

/** A queue to act on, and the names of the queues that exist where it lives. */
export interface OpenedQueue {
  /** The queues that exist at the location (read before `open`, which would create the named one). */
  names(): Promise<string[]>;
  open(): DeliveryQueue;
}

/** Finds the queue the flags name. Injectable so the command can be run against any DeliveryQueue. */
export type LocateQueue = (args: QueueArgs) => Promise<OpenedQueue>;

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
  const located = await locate(args);
  const name = args.queue as string;
  const names = await answerWithin(action, args.redis !== undefined ? "redis" : "postgres", () =>
    located.names(),
  );
  if (!names.includes(name)) {
    const where = args.redis !== undefined ? "this Redis" : "this PostgreSQL";
    const known = names.length === 0 ? "there is none" : `there are: ${names.join(", ")}`;
    const message = `no queue "${name}" on ${where} (${known}); check --queue${args.redis !== undefined ? " and --prefix" : ""}.`;
    io.stderr.write(`${s.bad("error:")} ${p(message)}\n`);
    if (args.json) line(io, JSON.stringify({ error: "no_such_queue", queue: name, queues: names, message }));
    return 2;
  }
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

/** A BullMQQueue on --redis or --postgres; @webhook-kit/bullmq is an optional peer, loaded only here. */
async function locateBullMQQueue(args: QueueArgs): Promise<OpenedQueue> {
  checkQueueTarget("queue", args);
  let bullmq: typeof import("@webhook-kit/bullmq");
  try {
    bullmq = await import("@webhook-kit/bullmq");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND")
      throw new Error(
        `queue works on a BullMQ queue: install @webhook-kit/bullmq next to @webhook-kit/testing (npm install @webhook-kit/bullmq bullmq ${args.redis ? "ioredis" : "pg"}). (${(error as Error).message.split("\n")[0]})`,
      );
    throw error;
  }
  const { BullMQQueue, listQueues } = bullmq;
  const name = args.queue as string;
  const common = { name, timeoutMs: ANSWER_WITHIN_MS, onError: () => {} };
  const prefix = args.prefix ? { prefix: args.prefix } : {};
  if (args.redis !== undefined) {
    const connection = args.redis;
    return {
      names: () => listQueues({ connection, ...prefix }),
      open: () => new BullMQQueue({ connection, ...prefix, ...common }),
    };
  }
  const postgres = args.postgres as string;
  return {
    names: () => listQueues({ postgres }),
    // Never create BullMQ's schema from an admin command pointed at the wrong database.
    open: () => new BullMQQueue({ postgres, migrate: false, ...common }),
  };
}
