import pg from "pg";

/**
 * node-postgres pool settings that bound every wait below the receiver's 2 s store budget, for a pool that
 * serves the store alone: a connection is waited for at most 1 s (`connectionTimeoutMillis`; pg's default
 * waits forever when the pool is exhausted), the server cancels a statement after 1.5 s (`statement_timeout`,
 * e.g. one stuck behind a lock), TCP keep-alive notices a dead peer, and `application_name` tells a DBA
 * whose connections these are.
 *
 * @example
 * const pool = new pg.Pool({ ...failFastPoolOptions, connectionString: process.env.DATABASE_URL });
 */
export const failFastPoolOptions = {
  max: 10,
  connectionTimeoutMillis: 1_000,
  statement_timeout: 1_500,
  idleTimeoutMillis: 30_000,
  keepAlive: true,
  application_name: "webhook-kit",
} satisfies pg.PoolConfig;

/**
 * A `pg.Pool` with `failFastPoolOptions`; your options win where they overlap. It already has an `error`
 * listener that ignores errors of idle connections (the pool has discarded them; without a listener Node
 * would crash the process when PostgreSQL restarts): add your own to log them. `end()` it on shutdown;
 * `PostgresStore` never closes a pool.
 *
 * @example
 * const pool = createPostgresPool({ connectionString: process.env.DATABASE_URL });
 * pool.on("error", (err) => logger.warn({ err }, "postgres"));
 * const store = new PostgresStore({ pool });
 * await store.createSchema();
 */
export function createPostgresPool(options: pg.PoolConfig | string = {}): pg.Pool {
  const config = typeof options === "string" ? { connectionString: options } : options;
  const pool = new pg.Pool({ ...failFastPoolOptions, ...config });
  pool.on("error", ignore);
  return pool;
}

const ignore = () => {};
