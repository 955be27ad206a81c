import { UsageError } from "./usage-error.js";

/** The flags `queue` and `dead-letters` share to find a queue. */
export interface QueueTargetArgs {
  redis?: string | undefined;
  postgres?: string | undefined;
  queue?: string | undefined;
}

/**
 * Usage checks before anything connects: exactly one server, given as a URL of its kind, and a queue name.
 * A value of the wrong form is refused without being echoed: a connection URL may carry a password.
 */
export function checkQueueTarget(command: string, args: QueueTargetArgs): void {
  if ((args.redis === undefined) === (args.postgres === undefined))
    throw new UsageError(`${command} needs exactly one of --redis <url> or --postgres <url>.`);
  if (args.redis !== undefined && !/^rediss?:\/\//i.test(args.redis))
    throw new UsageError(
      "--redis must be a redis:// or rediss:// URL, e.g. --redis redis://127.0.0.1:6379 (what your BullMQQueue's connection is).",
    );
  if (args.postgres !== undefined && !/^postgres(ql)?:\/\//i.test(args.postgres))
    throw new UsageError(
      "--postgres must be a postgres:// or postgresql:// connection string, e.g. --postgres postgres://user@127.0.0.1:5432/app.",
    );
  if (args.queue === undefined)
    throw new UsageError(`${command} needs --queue <name>: the name your BullMQQueue was given.`);
}

/** A failure waiting cannot mend (a missing package): `answerWithin` reports it at once. */
export class NotRetried extends Error {
  override readonly name = "NotRetried";
}

/**
 * Answers no retry can change: PostgreSQL's "database does not exist" (3D000), authentication failed
 * (28P01) and role refused (28000), and a host name that does not resolve (ENOTFOUND). Waiting the full
 * timeout for them would only hide the reason behind "no answer".
 */
const FINAL_CODES: ReadonlySet<string> = new Set(["3D000", "28P01", "28000", "ENOTFOUND"]);

/** The final error in `error`, its `cause` chain or an AggregateError's members, when there is one. */
function finalError(error: unknown, depth = 0): Error | undefined {
  if (!(error instanceof Error) || depth > 5) return undefined;
  const code = (error as NodeJS.ErrnoException).code;
  if (typeof code === "string" && FINAL_CODES.has(code)) return error;
  if (/\bENOTFOUND\b/.test(error.message)) return error;
  const nested = [error.cause, ...(error instanceof AggregateError ? error.errors : [])];
  for (const inner of nested) {
    const found = finalError(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** A message with any `user:password@` of a URL in it masked. */
const maskCredentials = (text: string) => text.replace(/\/\/[^/@\s]*@/g, "//***@");

/** How long an admin command waits for its server, as BullMQQueue's `timeoutMs` in `dead-letters`. */
export const ANSWER_WITHIN_MS = 5_000;
const RETRY_EVERY_MS = 250;

/**
 * Runs `read` until it answers or `ANSWER_WITHIN_MS` pass (each try bounded too), retrying a refused or
 * dropped connection meanwhile: an unreachable server is then reported as `dead-letters` reports it, in
 * bounded time, instead of as the client library's last word ("Connection is closed.").
 */
export async function answerWithin<T>(
  operation: string,
  backend: string,
  read: () => Promise<T>,
): Promise<T> {
  const until = Date.now() + ANSWER_WITHIN_MS;
  let last = "";
  for (;;) {
    const left = until - Date.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const attempt = read();
      attempt.catch(() => {});
      return await Promise.race([
        attempt,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error("no answer")), Math.max(1, left));
        }),
      ]);
    } catch (error) {
      if (error instanceof NotRetried) throw error;
      const final = finalError(error);
      if (final) {
        const reason = maskCredentials(final.message.split("\n")[0] || final.name);
        const fix = /\bENOTFOUND\b/.test(`${(final as NodeJS.ErrnoException).code} ${final.message}`)
          ? `the host in --${backend} does not resolve; check its spelling`
          : `check the database name, user and password in --${backend}`;
        throw new Error(`${operation}: ${reason}; ${fix}.`);
      }
      last = maskCredentials(
        error instanceof Error ? error.message.split("\n")[0] || error.name : String(error),
      );
    } finally {
      clearTimeout(timer);
    }
    if (until - Date.now() <= RETRY_EVERY_MS) break;
    await new Promise((resolve) => setTimeout(resolve, RETRY_EVERY_MS));
  }
  throw new Error(
    `${operation}: no answer from ${backend} within ${ANSWER_WITHIN_MS} ms; check that it is reachable (last error: ${last}).`,
  );
}
