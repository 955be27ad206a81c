import {
  createPostgresBackend,
  isPgPool,
  type JobProgress,
  type PgPool,
  type PostgresConnectionOptions,
  type PostgresPoolConfig,
  type PostgresQueueBackend,
  Queue,
  runMigrations,
  Worker,
  type WorkerOptions,
} from "bullmq";
import type { Cluster, ClusterOptions, Redis, RedisOptions } from "ioredis";
import type { StoredJob } from "./stored-job.js";

/**
 * A Redis to use: a URL, ioredis options, an ioredis client, or an ioredis `Cluster` (clients are duplicated,
 * never closed by the queue).
 */
export type RedisTarget = string | RedisOptions | Redis | Cluster;
/**
 * A PostgreSQL to use: a connection string, a node-postgres pool config (may carry BullMQ's `schema`), or a
 * `pg.Pool` (used as is and never closed by the queue; its `search_path` must reach BullMQ's schema).
 */
export type PostgresTarget = string | PostgresPoolConfig | PgPool;

// biome-ignore lint/suspicious/noExplicitAny: BullMQ's class generics differ per backend; only the methods below are used.
export type JobQueue = Queue<StoredJob, unknown, string, StoredJob, unknown, string, any, any>;
// biome-ignore lint/suspicious/noExplicitAny: as above.
export type JobWorker = Worker<StoredJob, unknown, string, any, any, any>;
export type JobHandler = ConstructorParameters<typeof Worker<StoredJob, unknown>>[1];

/** Worker settings that are the same on both backends. */
export type WorkerSettings = Pick<
  WorkerOptions,
  "concurrency" | "lockDuration" | "stalledInterval" | "maxStalledCount" | "autorun" | "limiter"
>;

/** Where the queue's jobs live; each producer or worker gets connections of its own. */
export interface Backend {
  readonly kind: "redis" | "postgres";
  createQueue(name: string): Promise<JobQueue>;
  /** Starts a worker; `onError` is attached before it can emit. */
  createWorker(
    name: string,
    handler: JobHandler,
    settings: WorkerSettings,
    onError: (error: Error) => void,
  ): Promise<JobWorker>;
  /** Frees what `createQueue` / `createWorker` opened beyond BullMQ's own close (Redis clients). */
  release(target: JobQueue | JobWorker): Promise<void>;
}

/**
 * The producer's Redis client fails fast instead of buffering: no offline queue (a command sent while
 * disconnected is refused at once), no per-request retries, no re-sending of commands in flight when the
 * connection dropped, and bounded connect and command times. It keeps reconnecting (≤ 1 s apart) forever.
 */
export const producerRedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  connectTimeout: 2_000,
  commandTimeout: 2_000,
  retryStrategy: (attempt: number) => Math.min(attempt * 100, 1_000),
} satisfies RedisOptions;

/** BullMQ requires a worker connection that waits out an outage (it blocks on Redis and retries by itself). */
const workerRedisOptions = {
  maxRetriesPerRequest: null,
  enableOfflineQueue: true,
} satisfies RedisOptions;

const isRedisClient = (target: RedisTarget): target is Redis | Cluster =>
  typeof target === "object" && typeof (target as Redis).duplicate === "function";

export const isCluster = (target: RedisTarget): target is Cluster =>
  isRedisClient(target) && (target as Cluster).isCluster === true;

/**
 * The key prefix of a queue. On a Redis Cluster every key of one queue must hash to one slot (BullMQ's
 * scripts touch several at once), so the prefix carries a hash tag; the default one names the queue, so
 * different queues spread over the primaries.
 */
export function queuePrefix(
  target: RedisTarget,
  prefix: string | undefined,
  name: string,
): string | undefined {
  if (!isCluster(target)) return prefix;
  return prefix ?? `{bull:${name}}`;
}

/** A hash tag is the first `{…}` with something inside: Redis hashes only that part of the key. */
export const hasHashTag = (prefix: string): boolean => /^[^{]*\{[^}]+\}/.test(prefix);

/** The same fail-fast or wait-it-out settings, split as a Cluster takes them: its own, and each node's. */
function clusterOverrides(cluster: Cluster, overrides: RedisOptions): ClusterOptions {
  const { enableOfflineQueue, retryStrategy, ...node } = overrides;
  const options: ClusterOptions = { redisOptions: { ...cluster.options.redisOptions, ...node } };
  if (enableOfflineQueue !== undefined) options.enableOfflineQueue = enableOfflineQueue;
  if (retryStrategy) options.clusterRetryStrategy = (times) => retryStrategy(times) ?? null;
  return options;
}

export function redisBackend(target: RedisTarget, prefix: string | undefined): Backend {
  const clients = new WeakMap<object, Redis | Cluster>();
  const connect = async (overrides: RedisOptions): Promise<Redis | Cluster> => {
    // ioredis is an optional peer: a PostgreSQL-only install never loads it.
    const { Redis } = await import("ioredis");
    const client = isCluster(target)
      ? target.duplicate([], clusterOverrides(target, overrides))
      : isRedisClient(target)
        ? target.duplicate(overrides)
        : typeof target === "string"
          ? new Redis(target, overrides)
          : new Redis({ ...target, ...overrides });
    // BullMQ re-emits client errors on the Queue / Worker; this listener only keeps ioredis from printing them.
    client.on("error", () => {});
    return client;
  };
  const common = (name: string) => {
    const keyPrefix = queuePrefix(target, prefix, name);
    return keyPrefix === undefined ? {} : { prefix: keyPrefix };
  };
  return {
    kind: "redis",
    async createQueue(name) {
      const client = await connect(producerRedisOptions);
      const queue: JobQueue = new Queue<StoredJob>(name, { connection: client, ...common(name) });
      clients.set(queue, client);
      return queue;
    },
    async createWorker(name, handler, settings, onError) {
      const client = await connect(workerRedisOptions);
      const worker: JobWorker = new Worker<StoredJob, unknown>(name, handler, {
        connection: client,
        ...common(name),
        ...settings,
      });
      worker.on("error", onError);
      clients.set(worker, client);
      return worker;
    },
    async release(owner) {
      const client = clients.get(owner);
      clients.delete(owner);
      client?.disconnect();
    },
  };
}

type PgBackend = PostgresQueueBackend;
type PgConnection = PostgresConnectionOptions;

export function postgresBackend(target: PostgresTarget, migrate: boolean): Backend {
  let migrated: Promise<void> | undefined;
  let connection: PostgresTarget;
  if (isPgPool(target)) {
    connection = target;
  } else {
    const config: PostgresPoolConfig = typeof target === "string" ? { connectionString: target } : target;
    // pg waits forever for a connection by default: bound it so an unreachable server fails the call.
    connection = { connectionTimeoutMillis: 2_000, ...config, migrate: config.migrate ?? migrate };
  }
  // BullMQ migrates only pools it builds; a caller's pool is migrated here, once, before first use.
  const ready = async () => {
    if (!isPgPool(connection) || !migrate) return;
    const pool = connection;
    migrated ??= (async () => {
      const client = await pool.connect();
      try {
        await runMigrations(client);
      } finally {
        client.release();
      }
    })().catch((error: unknown) => {
      migrated = undefined;
      throw error;
    });
    await migrated;
  };
  return {
    kind: "postgres",
    async createQueue(name) {
      await ready();
      return new Queue<StoredJob, unknown, string, StoredJob, unknown, string, PgBackend, PgConnection>(
        name,
        { connection },
        createPostgresBackend,
      ) as unknown as JobQueue;
    },
    async createWorker(name, handler, settings, onError) {
      await ready();
      const worker = new Worker<StoredJob, unknown, string, PgBackend, JobProgress, PgConnection>(
        name,
        handler,
        { connection, ...settings },
        createPostgresBackend,
      ) as unknown as JobWorker;
      worker.on("error", onError);
      return worker;
    },
    async release() {},
  };
}
