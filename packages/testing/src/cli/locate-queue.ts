import type { DeliveryQueue } from "@webhook-kit/core";
import type { CliIo } from "./io.js";
import { printable as p } from "./printable.js";
import { importFromProject, isMissingModule } from "./project-import.js";
import { ANSWER_WITHIN_MS, answerWithin, checkQueueTarget, NotRetried } from "./queue-target.js";
import type { Style } from "./style.js";

/** The flags that find a queue: `queue` and `dead-letters` share them. */
export interface LocateArgs {
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
  /** With a --prefix other than BullMQ's default: the queues under the default (`bull`), for a hint. */
  namesUnderDefaultPrefix?(): Promise<string[]>;
  open(): DeliveryQueue;
}

/** BullMQ's own key prefix: where queues are when no prefix was given. */
const DEFAULT_PREFIX = "bull";

/** Finds the queue the flags name. Injectable so a command can be run against any DeliveryQueue. */
export type LocateQueue = (command: string, args: LocateArgs) => Promise<OpenedQueue>;

/**
 * Whether the named queue exists; when it does not, says so on stderr (and stdout for --json) with the
 * queues that do exist: a typo in --queue must not read as an empty, healthy queue.
 */
export async function queueExists(
  located: OpenedQueue,
  operation: string,
  args: LocateArgs,
  io: CliIo,
  s: Style,
): Promise<boolean> {
  const name = args.queue as string;
  const backend = args.redis !== undefined ? "redis" : "postgres";
  const names = await answerWithin(operation, backend, () => located.names());
  if (names.includes(name)) return true;
  const where = args.redis !== undefined ? "this Redis" : "this PostgreSQL";
  const known = names.length === 0 ? "there is none" : `there are: ${names.join(", ")}`;
  let message = `no queue "${name}" on ${where} (${known}); check --queue${args.redis !== undefined ? " and --prefix" : ""}.`;
  // A wrong --prefix hides every queue: say where they are instead of "there is none".
  if (names.length === 0 && located.namesUnderDefaultPrefix) {
    const underDefault = await answerWithin(operation, backend, located.namesUnderDefaultPrefix).catch(
      () => [] as string[],
    );
    if (underDefault.length > 0)
      message = `no queue "${name}" under prefix ${args.prefix} on ${where} (there is none); queues exist under prefix ${DEFAULT_PREFIX}: ${underDefault.join(", ")}; check --prefix (omit it for ${DEFAULT_PREFIX}).`;
  }
  io.stderr.write(`${s.bad("error:")} ${p(message)}\n`);
  if (args.json)
    io.stdout.write(`${JSON.stringify({ error: "no_such_queue", queue: name, queues: names, message })}\n`);
  return false;
}

/** The package a failed import names ("Cannot find package 'ioredis' …"), when that is the failure. */
function missingPackage(error: unknown): string | undefined {
  if (!isMissingModule(error)) return undefined;
  return /Cannot find (?:package|module) '([^']+)'/.exec((error as Error).message)?.[1] ?? "a package";
}

/** A missing optional peer is a setup step, not an outage: one install line, never retried. */
function installHint(command: string, args: LocateArgs, error: unknown): Error {
  const missing = missingPackage(error);
  if (missing === undefined) return error as Error;
  const driver = args.redis !== undefined ? "ioredis" : "pg";
  return new NotRetried(
    `${command} works on a BullMQ queue on ${args.redis !== undefined ? "Redis" : "PostgreSQL"}: install what is missing (${missing}) in the project you run it from (${process.cwd()}): npm install @webhook-kit/bullmq bullmq ${driver}`,
  );
}

/** A BullMQQueue on --redis or --postgres; @webhook-kit/bullmq and its driver are optional peers, loaded only here. */
export const locateBullMQQueue: LocateQueue = async (command, args) => {
  checkQueueTarget(command, args);
  let bullmq: typeof import("@webhook-kit/bullmq");
  try {
    bullmq = await importFromProject<typeof import("@webhook-kit/bullmq")>("@webhook-kit/bullmq");
  } catch (error) {
    throw installHint(command, args, error);
  }
  const { BullMQQueue, listQueues } = bullmq;
  const name = args.queue as string;
  // A CLI run is short: connection noise is reported by the failing call itself.
  const common = { name, timeoutMs: ANSWER_WITHIN_MS, onError: () => {} };
  const names = (read: () => Promise<string[]>) => () =>
    read().catch((error: unknown) => Promise.reject(installHint(command, args, error)));
  if (args.redis !== undefined) {
    const connection = args.redis;
    const prefix = args.prefix ? { prefix: args.prefix } : {};
    return {
      names: names(() => listQueues({ connection, ...prefix })),
      ...(args.prefix && args.prefix !== DEFAULT_PREFIX
        ? { namesUnderDefaultPrefix: names(() => listQueues({ connection })) }
        : {}),
      open: () => new BullMQQueue({ connection, ...prefix, ...common }),
    };
  }
  const postgres = args.postgres as string;
  return {
    names: names(() => listQueues({ postgres })),
    // Never create BullMQ's schema from an admin command pointed at the wrong database.
    open: () => new BullMQQueue({ postgres, migrate: false, ...common }),
  };
};
