// What one delivery costs PostgresStore in PostgreSQL (issue #23): statements and commits per delivery under
// concurrency (batchWrites on and off), and the WAL each statement writes, read with EXPLAIN (ANALYZE, WAL)
// on a table of its own (so other work on a shared server does not count). Uses the built dist.
//   node bench/postgres-cost.mjs      DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test)
import { randomUUID } from "node:crypto";
import { PostgresStore } from "@webhook-kit/postgres";
import pg from "pg";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const DELIVERIES = Number(process.env.BENCH_PG_DELIVERIES ?? 5_000);
const CONCURRENCY = Number(process.env.BENCH_CONNECTIONS ?? 50);
const schema = `bench_pgcost_${process.pid}`;

// Every named statement the store sends, with its text: replayed under EXPLAIN below.
const sent = { count: 0, byName: new Map() };
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (config, ...rest) {
  if (config && typeof config === "object" && config.name) {
    sent.count += 1;
    const seen = sent.byName.get(config.name) ?? { text: config.text, calls: 0, items: 0 };
    seen.calls += 1;
    // Batched statements carry arrays: their length is the deliveries the statement serves.
    seen.items += Array.isArray(config.values?.[0]) ? config.values[0].length : 1;
    sent.byName.set(config.name, seen);
  }
  return query.call(this, config, ...rest);
};

const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
await admin.query(`CREATE SCHEMA ${schema}`);
try {
  const versions = (await admin.query("SHOW server_version")).rows[0].server_version;
  const settings = {};
  for (const name of ["synchronous_commit", "commit_delay", "full_page_writes", "wal_compression"]) {
    settings[name] = (await admin.query(`SHOW ${name}`)).rows[0][name];
  }
  console.log(`PostgreSQL ${versions}; ${JSON.stringify(settings)}`);

  console.log(`\n### Statements per delivery (${DELIVERIES} fresh deliveries, ${CONCURRENCY} at a time)\n`);
  console.log(
    "| batchWrites | statements / delivery | commits (WAL flushes at most) / delivery | by statement |",
  );
  console.log("| --- | ---: | ---: | --- |");
  for (const batchWrites of [true, false]) {
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 10 });
    const store = new PostgresStore({ pool, schema, table: `t_${batchWrites}`, batchWrites });
    await store.createSchema();
    sent.count = 0;
    sent.byName.clear();
    let next = 0;
    const worker = async () => {
      while (next < DELIVERIES) {
        next += 1;
        const key = `github:${randomUUID()}`;
        const claim = await store.claim(key, { leaseMs: 30_000 });
        if (claim.status === "claimed")
          await store.complete(key, claim.token, { retentionMs: 72 * 3_600_000 });
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const detail = [...sent.byName]
      .map(
        ([name, s]) =>
          `${name.split("_").slice(2, -1).join("_")}: ${s.calls} (${(s.items / s.calls).toFixed(1)} keys each)`,
      )
      .join(", ");
    // Each statement is its own transaction (autocommit): one commit, and with synchronous_commit = on one
    // WAL flush unless PostgreSQL's group commit folds it into another backend's.
    const perDelivery = (sent.count / DELIVERIES).toFixed(2);
    console.log(`| ${batchWrites} | ${perDelivery} | ${perDelivery} | ${detail} |`);
    await pool.end();
  }

  // WAL per statement, isolated: EXPLAIN (ANALYZE, WAL) runs the statement (it really writes) and reports the
  // WAL records, full-page images and bytes it produced. Averaged over fresh keys on a fresh table.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  const store = new PostgresStore({ pool, schema, table: "t_wal", batchWrites: false });
  await store.createSchema();
  await store.claim("warm", { leaseMs: 1 }); // makes the claim statement's text known
  // The single-key statement of `op` on t_wal (names are per table: `webhook_kit_<op>_<tag>`).
  const text = (op) =>
    [...sent.byName].find(
      ([name, s]) => new RegExp(`^webhook_kit_${op}_[0-9a-f]{12}$`).test(name) && s.text.includes('"t_wal"'),
    )?.[1].text;
  await store.complete("warm", randomUUID(), { retentionMs: 1 }); // makes the complete statement's text known
  const explain = async (sql, values) => {
    const { rows } = await admin.query(`EXPLAIN (ANALYZE, WAL, FORMAT JSON) ${sql}`, values);
    const plan = rows[0]["QUERY PLAN"][0].Plan;
    return { records: plan["WAL Records"] ?? 0, fpi: plan["WAL FPI"] ?? 0, bytes: plan["WAL Bytes"] ?? 0 };
  };
  const N = 200;
  const totals = { claim: [0, 0, 0], complete: [0, 0, 0], duplicate: [0, 0, 0] };
  const add = (into, w) => {
    into[0] += w.records;
    into[1] += w.fpi;
    into[2] += w.bytes;
  };
  for (let i = 0; i < N; i++) {
    const key = `github:${randomUUID()}`;
    const token = randomUUID();
    add(totals.claim, await explain(text("claim"), [key, token, 30_000]));
    add(totals.complete, await explain(text("complete"), [key, token, 72 * 3_600_000]));
    add(totals.duplicate, await explain(text("claim"), [key, randomUUID(), 30_000]));
  }
  // What a HOT update would save: the same statements on a copy of the table without the expires_at index (and
  // fillfactor 80, so the new row version fits on its page)
  // (complete changes expires_at, an indexed column, so today it writes a new entry in both indexes). Not a
  // usable schema (the sweep needs that index): it measures the bound of any schema change in that direction.
  await admin.query(
    `CREATE TABLE ${schema}.t_hot (LIKE ${schema}.t_wal INCLUDING DEFAULTS INCLUDING CONSTRAINTS) WITH (fillfactor = 80)`,
  );
  await admin.query(`ALTER TABLE ${schema}.t_hot ADD PRIMARY KEY (key)`);
  totals["complete, no expires_at index (HOT)"] = [0, 0, 0];
  const hot = (sql) => sql.replaceAll("t_wal", "t_hot");
  for (let i = 0; i < N; i++) {
    const key = `github:${randomUUID()}`;
    const token = randomUUID();
    await explain(hot(text("claim")), [key, token, 30_000]);
    add(
      totals["complete, no expires_at index (HOT)"],
      await explain(hot(text("complete")), [key, token, 72 * 3_600_000]),
    );
  }
  console.log(
    `\n### WAL per statement (EXPLAIN (ANALYZE, WAL), mean of ${N} fresh keys; plus a commit record each)\n`,
  );
  console.log("| statement | WAL records | full-page images | WAL bytes |\n| --- | ---: | ---: | ---: |");
  for (const [name, [records, fpi, bytes]] of Object.entries(totals)) {
    console.log(
      `| ${name} | ${(records / N).toFixed(2)} | ${(fpi / N).toFixed(2)} | ${(bytes / N).toFixed(0)} |`,
    );
  }
  await pool.end();
} finally {
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();
}
