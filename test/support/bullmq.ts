import { randomBytes } from "node:crypto";
import { BullMQQueue, type BullMQQueueCommonOptions, jobIdFromKey } from "@webhook-kit/bullmq";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";

/** A queue name no other test or run shares, so test files can run in parallel on one server. */
export function uniqueQueueName(label: string): string {
  return `wk-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;
}

/** Queue options for tests: silent, quick to notice a dead worker. */
export const testQueueOptions = {
  onError: () => {},
} satisfies Partial<BullMQQueueCommonOptions>;

/** Two handles on one fresh Redis-backed queue (two processes' worth), and how to clean it away. */
export function redisHarness(url: string, options: Partial<BullMQQueueCommonOptions> = {}) {
  const name = uniqueQueueName("redis");
  const make = () => new BullMQQueue({ connection: url, ...testQueueOptions, ...options, name });
  const queue = make();
  const peer = make();
  return {
    name,
    queue,
    peer,
    /** Valid JSON, not a job of ours: what a foreign or hand-edited write leaves. */
    async corrupt(key: string) {
      const client = new Redis(url);
      try {
        const hashKey = `bull:${name}:${jobIdFromKey(key)}`;
        if ((await client.hset(hashKey, "data", JSON.stringify("not a job"))) !== 0)
          throw new Error(`no job hash at ${hashKey}`);
      } finally {
        client.disconnect();
      }
    },
    /** The job's stored data as BullMQ holds it now (undefined when there is no job). */
    async peek(key: string): Promise<unknown> {
      const client = new Redis(url);
      try {
        const data = await client.hget(`bull:${name}:${jobIdFromKey(key)}`, "data");
        return data === null ? undefined : JSON.parse(data);
      } finally {
        client.disconnect();
      }
    },
    /** Replaces the job's stored data (a newer release's write, another run's write). */
    async overwrite(key: string, data: unknown) {
      const client = new Redis(url);
      try {
        const hashKey = `bull:${name}:${jobIdFromKey(key)}`;
        if ((await client.hset(hashKey, "data", JSON.stringify(data))) !== 0)
          throw new Error(`no job hash at ${hashKey}`);
      } finally {
        client.disconnect();
      }
    },
    async close() {
      await Promise.all([queue.close(), peer.close()]);
      await obliterate(new Queue(name, { connection: new Redis(url, { maxRetriesPerRequest: null }) }));
    },
  };
}

/** The same on PostgreSQL (BullMQ's schema `bullmq`, migrated by the first queue that connects). */
export function postgresHarness(url: string, options: Partial<BullMQQueueCommonOptions> = {}) {
  const name = uniqueQueueName("pg");
  const make = () => new BullMQQueue({ postgres: url, ...testQueueOptions, ...options, name });
  const queue = make();
  const peer = make();
  return {
    name,
    queue,
    peer,
    async corrupt(key: string) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query(
          `UPDATE bullmq.job SET data = '{"v":1,"delivery":"?"}'::jsonb WHERE queue = $1 AND id = $2`,
          [name, jobIdFromKey(key)],
        );
        if (result.rowCount !== 1) throw new Error(`no job row for ${key}`);
      } finally {
        await client.end();
      }
    },
    async peek(key: string): Promise<unknown> {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query("SELECT data FROM bullmq.job WHERE queue = $1 AND id = $2", [
          name,
          jobIdFromKey(key),
        ]);
        return result.rows[0]?.data;
      } finally {
        await client.end();
      }
    },
    async overwrite(key: string, data: unknown) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const result = await client.query(
          "UPDATE bullmq.job SET data = $3::jsonb WHERE queue = $1 AND id = $2",
          [name, jobIdFromKey(key), JSON.stringify(data)],
        );
        if (result.rowCount !== 1) throw new Error(`no job row for ${key}`);
      } finally {
        await client.end();
      }
    },
    async close() {
      await Promise.all([queue.close(), peer.close()]);
      const { createPostgresBackend } = await import("bullmq");
      await obliterate(new Queue(name, { connection: url }, createPostgresBackend));
    },
  };
}

async function obliterate(queue: {
  obliterate(o: { force: boolean }): Promise<void>;
  close(): Promise<void>;
}) {
  try {
    await queue.obliterate({ force: true });
  } finally {
    await queue.close();
  }
}
