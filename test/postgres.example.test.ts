import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTables, type SharedPostgres, sharedPostgres, uniqueTable } from "./support/postgres.js";

// examples/postgres-only as a user runs it: two instances on one database, one delivery sent to both at once
// and once more later; the handler runs once.
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
      runDemo(o: { databaseUrl: string; table: string; log: (l: string) => void }): Promise<{
        together: string[];
        late: string;
        runs: number;
      }>;
    };
    const lines: string[] = [];
    const result = await runDemo({ databaseUrl: postgres.url, table, log: (line) => lines.push(line) });
    expect(result.runs).toBe(1);
    expect(result.together.filter((r) => r.startsWith('200 {"received":true}'))).toHaveLength(1);
    expect(result.together.every((r) => /^(200|409) /.test(r))).toBe(true);
    expect(result.late).toBe('200 {"received":true,"duplicate":true}');
    expect(lines.filter((l) => l.includes("published ps_w9x2kf"))).toHaveLength(1);
  });
});
