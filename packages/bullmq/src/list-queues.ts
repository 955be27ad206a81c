import { isPgPool } from "bullmq";
import type { Cluster, Redis } from "ioredis";
import { isCluster, type PostgresTarget, type RedisTarget } from "./backends.js";

/** Where to look: the same `connection` + `prefix`, or `postgres`, a `BullMQQueue` was given. */
export type QueueLocation =
  | { connection: RedisTarget; prefix?: string }
  | { postgres: PostgresTarget; schema?: string };

/**
 * The names of the BullMQ queues that exist at a location, sorted: a queue exists once a producer (a
 * receiver's `BullMQQueue`) has opened it, which writes its meta record. Reads only; creates nothing.
 *
 * @example
 * const names = await listQueues({ connection: "redis://127.0.0.1:6379" });
 * if (!names.includes("eulabel")) console.error(`no queue "eulabel"; there are: ${names.join(", ")}`);
 */
export async function listQueues(location: QueueLocation): Promise<string[]> {
  const names = "postgres" in location ? await postgresQueues(location) : await redisQueues(location);
  return [...new Set(names)].sort();
}

async function redisQueues(location: { connection: RedisTarget; prefix?: string }): Promise<string[]> {
  const { connection, prefix } = location;
  const { Redis } = await import("ioredis");
  const cluster = isCluster(connection);
  // On a Cluster without a prefix each queue has its own hash-tagged one: "{bull:<name>}:<name>:meta".
  const pattern =
    prefix !== undefined ? `${escapeGlob(prefix)}:*:meta` : cluster ? "{bull:*}:*:meta" : "bull:*:meta";
  const nameOf = (key: string): string | undefined => {
    const body = key.slice(0, -":meta".length);
    if (prefix !== undefined) return body.slice(prefix.length + 1);
    if (cluster) return /^\{bull:[^}]*\}:(.*)$/.exec(body)?.[1];
    return body.slice("bull:".length);
  };
  const own = typeof connection === "string" || !("duplicate" in connection);
  const client: Redis | Cluster = own
    ? typeof connection === "string"
      ? new Redis(connection, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 5_000 })
      : new Redis({ ...connection, lazyConnect: true, maxRetriesPerRequest: 0 })
    : (connection as Redis | Cluster);
  // ioredis rejects a failed connect with "Connection is closed."; the reason (ECONNREFUSED, ENOTFOUND, auth)
  // comes as an "error" event: report that instead.
  let reason: Error | undefined;
  client.on("error", (error: Error) => {
    reason = error;
  });
  try {
    if (own) await (client as Redis).connect().catch((error: unknown) => Promise.reject(reason ?? error));
    const nodes = isCluster(client) ? client.nodes("master") : [client as Redis];
    const names: string[] = [];
    for (const node of nodes) {
      let cursor = "0";
      do {
        const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 1_000);
        cursor = next;
        for (const key of keys) {
          const name = nameOf(key);
          if (name) names.push(name);
        }
      } while (cursor !== "0");
    }
    return names;
  } finally {
    if (own) client.disconnect();
  }
}

/** A literal prefix in a SCAN pattern: glob characters in it match only themselves. */
const escapeGlob = (text: string) => text.replace(/[*?[\]\\]/g, "\\$&");

async function postgresQueues(location: { postgres: PostgresTarget; schema?: string }): Promise<string[]> {
  const { postgres } = location;
  const config = typeof postgres === "string" ? { connectionString: postgres } : postgres;
  const schema = location.schema ?? (config as { schema?: string }).schema ?? "bullmq";
  const sql = `SELECT DISTINCT queue FROM "${schema.replaceAll('"', '""')}".meta`;
  // No BullMQ schema in this database yet: no queue either.
  const none = (error: unknown) => {
    if ((error as { code?: string }).code === "42P01" || (error as { code?: string }).code === "3F000")
      return [];
    throw error;
  };
  if (isPgPool(postgres)) {
    const rows = await postgres.query(sql).then((result) => result.rows as { queue: string }[], none);
    return rows.map((row) => row.queue);
  }
  const pg = (await import("pg")).default;
  const { schema: _schema, migrate: _migrate, ...clientConfig } = config as Record<string, unknown>;
  const client = new pg.Client({ connectionTimeoutMillis: 5_000, ...clientConfig });
  await client.connect();
  try {
    const rows = await client.query<{ queue: string }>(sql).then((result) => result.rows, none);
    return rows.map((row) => row.queue);
  } finally {
    await client.end();
  }
}
