import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";
import { describeStoreConformance } from "@webhook-kit/testing/conformance";
import type pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { dropTables, type SharedPostgres, sharedPostgres, uniqueTable } from "./support/postgres.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

let postgres: SharedPostgres;
const tables: string[] = [];
beforeAll(async () => {
  postgres = await sharedPostgres();
});
afterAll(async () => {
  if (postgres) await dropTables(postgres.url, ...tables);
  await postgres?.release();
});

// Two pools = two processes sharing one table; the database's clock, real time, short leases.
describeStoreConformance("PostgresStore", async () => {
  const table = uniqueTable("conformance");
  tables.push(table, `${table}_versions`);
  const pools: pg.Pool[] = [createPostgresPool(postgres.url), createPostgresPool(postgres.url)];
  const [one, two] = pools as [pg.Pool, pg.Pool];
  const store = new PostgresStore({ pool: one, table });
  await store.createSchema();
  return {
    store,
    peer: new PostgresStore({ pool: two, table }),
    leaseMs: 200,
    advance: sleep,
    async close() {
      await Promise.all(pools.map((p) => p.end()));
    },
  };
});
