import { Redis, type RedisOptions } from "ioredis";

/**
 * ioredis options that make a Redis outage visible within about a second instead of queueing requests:
 * no offline queue (a command sent while disconnected fails at once), no re-sending of commands that were
 * in flight when the connection dropped, short connect and command timeouts, and reconnection attempts
 * every ≤ 1 s forever, so the client recovers on its own when Redis returns. Plus auto-pipelining: the
 * commands of one event-loop turn leave in one socket write (measured against a hand-written equivalent in
 * bench/redis.bench.mjs, BENCH_REDIS_WRITES=1: as cheap for the receiver, cheaper for Redis).
 *
 * @example
 * const cluster = new Cluster(nodes, {
 *   redisOptions: failFastRedisOptions,
 *   enableOfflineQueue: false,
 *   enableAutoPipelining: true,
 * });
 */
export const failFastRedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 1_000,
  commandTimeout: 1_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
} satisfies RedisOptions;

/**
 * Refuses a connection string ioredis would misread: given `http://u:pw@host:6379` it connects to a unix
 * socket of that name and logs the password in `connect ENOENT`. The string is never echoed (it may hold one).
 */
function checkTarget(target: string): void {
  if (/^rediss?:\/\//i.test(target)) return;
  // A unix socket path, as ioredis reads one (`/tmp/redis.sock`, `?db=2` allowed); `//host` is a URL.
  if (target.startsWith("/") && !target.startsWith("//")) return;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(target)?.[1];
  throw new TypeError(
    `createRedisClient: the connection string must be a redis:// or rediss:// URL (e.g. "redis://127.0.0.1:6379") or a unix socket path (e.g. "/run/redis.sock"); got ${scheme ? `a ${scheme}: URL` : "a string that is neither"} (not shown: it may hold a password).`,
  );
}

/**
 * An ioredis client with `failFastRedisOptions`; your options win where they overlap. A string target must be
 * a redis:// or rediss:// URL or a unix socket path (a TypeError otherwise). Listen to its
 * `error` event (ioredis logs unhandled ones) and `quit()` it on shutdown; `RedisStore` never closes it.
 *
 * @example
 * const client = createRedisClient(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
 * client.on("error", (err) => logger.warn({ err }, "redis"));
 * const receiver = createReceiver({ provider, store: new RedisStore({ client }) });
 */
export function createRedisClient(target?: string | RedisOptions, options: RedisOptions = {}): Redis {
  if (typeof target === "string") {
    checkTarget(target);
    return new Redis(target, { ...failFastRedisOptions, ...options });
  }
  return new Redis({ ...failFastRedisOptions, ...target, ...options });
}
