// A receiver on PostgreSQL alone: the idempotency state lives in one table of the database the app already has.
import http from "node:http";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";

/**
 * One instance of the endpoint. Start as many as you like (processes, containers, machines) against the same
 * database: each EUlabel event runs its handler once, whichever instance receives it.
 *
 * @param {{ databaseUrl: string, secret: string, table?: string, log?: (line: string) => void }} options
 */
export async function createApp({ databaseUrl, secret, table, log = console.log }) {
  const pool = createPostgresPool({ connectionString: databaseUrl });
  pool.on("error", (err) => log(`postgres: ${err.message}`)); // idle connections dropped by a restart
  const store = new PostgresStore({ pool, ...(table && { table }) });
  await store.createSchema(); // idempotent, safe from every instance at once

  const receiver = createReceiver({ provider: providers.eulabel({ secret }), store });
  receiver.on("passport.published", (event) => {
    const { id, compliance, passportUrl } = event.payload;
    log(`published ${id}: ${compliance.status} → ${passportUrl}`);
  });

  const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks/eulabel" }));
  return {
    server,
    store,
    async close() {
      await new Promise((resolve) => server.close(resolve));
      await pool.end();
    },
  };
}
