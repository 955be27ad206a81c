import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTables, type SharedPostgres, sharedPostgres, uniqueTable } from "./support/postgres.js";

// examples/postgres-only as a user runs it: two instances on one database, one delivery sent to both at once
// and once more later; it is queued once (BullMQ on PostgreSQL, no Redis) and the handler runs once.
const demo = new URL("../examples/postgres-only/demo.mjs", import.meta.url).href;

describe("examples/postgres-only", () => {
  let postgres: SharedPostgres;
  const table = uniqueTable("example");
  beforeAll(async () => {
    postgres = await sharedPostgres();
  });
  afterAll(async () => {
    if (postgres) await dropTables(postgres.url, table);
    await postgres?.release();
  });

  it("two instances on PostgreSQL alone: the same delivery to both at once, then late, runs its handler once", async () => {
    const { runDemo } = (await import(demo)) as {
      runDemo(o: {
        databaseUrl: string;
        table: string;
        queueName: string;
        log: (l: string) => void;
      }): Promise<{
        together: string[];
        late: string;
        runs: number;
      }>;
    };
    const lines: string[] = [];
    const queueName = `example${process.pid}${Date.now()}`;
    const result = await runDemo({
      databaseUrl: postgres.url,
      table,
      queueName,
      log: (line) => lines.push(line),
    });
    expect(result.runs).toBe(1);
    // One copy is queued (202); the other races it: 409 while the claim is held, or 200 duplicate after.
    expect(
      result.together.filter((r) => r.startsWith('202 {"received":true,"status":"queued"}')),
    ).toHaveLength(1);
    expect(result.together.every((r) => /^(202|200|409) /.test(r))).toBe(true);
    expect(result.late).toBe('200 {"received":true,"duplicate":true}');
    expect(lines.filter((l) => l.includes("published ps_w9x2kf"))).toHaveLength(1);
  });
});
