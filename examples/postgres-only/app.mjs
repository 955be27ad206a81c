// A receiver on PostgreSQL alone: the idempotency state in one table, the durable queue (BullMQ's PostgreSQL
// backend) in the same database. No Redis anywhere.
import http from "node:http";
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";

/**
 * One instance of the endpoint: it answers EUlabel 202 once a delivery is queued in PostgreSQL, and runs the
 * queued handlers (with retries and dead letters) as a worker. Start as many as you like (processes,
 * containers, machines) against the same database: each EUlabel event runs its handler once.
 *
 * @param {{ databaseUrl: string, secret: string, table?: string, queueName?: string, log?: (line: string) => void }} options
 */
export async function createApp({
  databaseUrl,
  secret,
  table,
  queueName = "eulabel-webhooks",
  log = console.log,
}) {
  const pool = createPostgresPool({ connectionString: databaseUrl });
  pool.on("error", (err) => log(`postgres: ${err.message}`)); // idle connections dropped by a restart
  const store = new PostgresStore({ pool, ...(table && { table }) });
  await store.createSchema(); // idempotent, safe from every instance at once
  const queue = new BullMQQueue({ postgres: databaseUrl, name: queueName });

  const receiver = createReceiver({ provider: providers.eulabel({ secret }), store, queue });
  receiver.on(
    "passport.published",
    (event) => {
      const { id, compliance, passportUrl } = event.payload;
      log(`published ${id}: ${compliance.status} → ${passportUrl}`);
    },
    { id: "log-published" },
  );
  const worker = receiver.work({ concurrency: 4 });

  const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks/eulabel" }));
  return {
    server,
    store,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await worker.close(); // takes no new jobs, lets the running ones finish
      await queue.close();
      await pool.end();
    },
  };
}
