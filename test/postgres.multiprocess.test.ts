import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertNoneLostRerunsExplained,
  EVENTS,
  ROOT,
  requireBuilt,
  restartTimings,
  runTwoReceivers,
} from "./support/multiprocess.js";
import {
  dropTables,
  type PrivatePostgres,
  type SharedPostgres,
  sharedPostgres,
  startPrivatePostgres,
  uniqueTable,
} from "./support/postgres.js";

// Two receiver processes (built dist) on one PostgreSQL table, thousands of deliveries with duplicates sent to
// both at once, a sender that retries 409/503 with a small backoff: every event must run exactly once, except
// that a run whose claim the receiver reported it could not settle (the server crashed midway, or did not answer
// in time, between the handler's success and `complete`) may run again: inherent without a queue, counted apart.

const FIXTURE = path.join(ROOT, "test/fixtures/postgres-multiprocess/receiver.mjs");
const BUILT = [
  "packages/core/dist/index.js",
  "packages/core/dist/node.js",
  "packages/postgres/dist/index.js",
];

describe("PostgresStore across processes (built dist)", () => {
  let shared: SharedPostgres;
  let own: PrivatePostgres;
  const tables: string[] = [];
  const table = () => {
    const name = uniqueTable("multiprocess");
    tables.push(name);
    return name;
  };
  beforeAll(async () => {
    requireBuilt(BUILT);
    shared = await sharedPostgres();
    // The crash test needs a server it may kill: its own, on another port (never the shared one).
    own = await startPrivatePostgres();
  }, 60_000);
  afterAll(async () => {
    if (shared) await dropTables(shared.url, ...tables);
    await shared?.release();
    await own?.stop();
  });

  it("two processes, 2 400 events sent twice at once (+ late duplicates): each runs exactly once (a rerun only after a complete the store did not confirm)", {
    timeout: 90_000,
  }, async () => {
    const result = await runTwoReceivers({
      fixture: FIXTURE,
      env: { DATABASE_URL: shared.url, TABLE: table() },
    });
    assertNoneLostRerunsExplained(result, "steady");
    // Both processes really raced: some copies were told in_progress or completed.
    expect(result.stats.byStatus.get(409) ?? 0).toBeGreaterThan(0);
  });

  it("the same with PostgreSQL crashed (immediate shutdown) and restarted on its port midway: 503 while down, none lost, a rerun only where the outage cut its complete", {
    timeout: 90_000,
  }, async () => {
    const result = await runTwoReceivers({
      fixture: FIXTURE,
      env: { DATABASE_URL: own.url, TABLE: table() },
      restart: { afterEvents: Math.floor(EVENTS * 0.4), server: own },
    });
    assertNoneLostRerunsExplained(result, "restart");
    expect(result.stats.byStatus.get(503) ?? 0).toBeGreaterThan(0);
    expect(result.stats.first200AfterRestartAt).toBeDefined();
    console.info(`[restart] ${restartTimings(result, "PostgreSQL")}`);
  });
});
