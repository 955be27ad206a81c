// PostgresStore with a million expired rows: do claims stay fast, how long does one bounded sweep take, and
// how long until the backlog is gone through the sweeps that claims piggy-back? Uses the BUILT dist.
//   node bench/postgres-expiry.bench.mjs
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), EXPIRED_ROWS=1000000, CLAIMS=2000.
import { randomBytes } from "node:crypto";
import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";
import pg from "pg";

const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const EXPIRED_ROWS = Number(process.env.EXPIRED_ROWS ?? 1_000_000);
const CLAIMS = Number(process.env.CLAIMS ?? 2_000);
const table = `webhook_kit_expiry_${process.pid}_${randomBytes(3).toString("hex")}`;

const admin = new pg.Client({ connectionString: DATABASE_URL });
await admin.connect();
const pool = createPostgresPool({ connectionString: DATABASE_URL, max: 4 });
// Sweeps off for the latency rows: this measures the claim itself; the sweep is measured on its own below.
const store = new PostgresStore({ pool, table, sweepEvery: 0 });
const rows = [];
try {
  await store.createSchema();
  rows.push(["claim latency, empty table", await claimLatency("empty")]);

  let started = performance.now();
  await admin.query(
    `INSERT INTO "${table}" SELECT 'expired:' || i, 'completed', gen_random_uuid(), now() - interval '1 hour' - i * interval '1 millisecond' FROM generate_series(1, $1) i`,
    [EXPIRED_ROWS],
  );
  const loadMs = performance.now() - started;
  rows.push([
    `claim latency, ${EXPIRED_ROWS.toLocaleString("en")} expired rows`,
    await claimLatency("backlog"),
  ]);

  const plan = await admin.query(
    `EXPLAIN DELETE FROM "${table}" WHERE key IN (SELECT key FROM "${table}" WHERE expires_at <= now() ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED) AND expires_at <= now()`,
  );
  const usesIndex = plan.rows.some((r) => String(r["QUERY PLAN"]).includes(`${table}_expires_at`));

  // Drain the backlog with the store's own bounded DELETE (what claims trigger every `sweepEvery` claims).
  const sweeps = [];
  started = performance.now();
  for (;;) {
    const t0 = performance.now();
    const deleted = await store.deleteExpired(1_000);
    sweeps.push(performance.now() - t0);
    if (deleted < 1_000) break;
  }
  const drainMs = performance.now() - started;
  const sorted = [...sweeps].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(1);
  const left = Number(
    (await admin.query(`SELECT count(*) FROM "${table}" WHERE key LIKE 'expired:%'`)).rows[0].count,
  );

  // The same backlog once more, drained by claims alone (sweepEvery 100, sweepBatch 1 000 by default).
  await admin.query(
    `INSERT INTO "${table}" SELECT 'expired2:' || i, 'completed', gen_random_uuid(), now() - interval '1 hour' FROM generate_series(1, 100000) i`,
  );
  const piggy = new PostgresStore({ pool, table });
  started = performance.now();
  let claims = 0;
  while (
    Number((await admin.query(`SELECT count(*) FROM "${table}" WHERE key LIKE 'expired2:%'`)).rows[0].count) >
    0
  ) {
    await Promise.all(Array.from({ length: 50 }, () => piggy.claim(`p:${claims++}`, { leaseMs: 30_000 })));
  }
  const piggyMs = performance.now() - started;

  console.log(`\n### PostgresStore with ${EXPIRED_ROWS.toLocaleString("en")} expired rows (one run)\n`);
  console.log("| measure | value |");
  console.log("| --- | ---: |");
  for (const [name, r] of rows)
    console.log(`| ${name}: p50 / p99 / max ms (${CLAIMS} sequential claims) | ${r} |`);
  console.log(
    `| loading the expired rows (one INSERT, both indexes maintained) | ${(loadMs / 1000).toFixed(1)} s |`,
  );
  console.log(`| sweep plan uses the expires_at index | ${usesIndex ? "yes" : "NO"} |`);
  console.log(
    `| one sweep (DELETE of 1 000 expired rows): p50 / p99 / max ms over ${sweeps.length} sweeps | ${q(0.5)} / ${q(0.99)} / ${sorted.at(-1).toFixed(1)} |`,
  );
  console.log(
    `| draining all of them with back-to-back sweeps | ${(drainMs / 1000).toFixed(1)} s (${left} left) |`,
  );
  console.log(
    `| 100 000 expired rows drained by piggy-backed sweeps alone (batches of 50 concurrent claims) | ${claims} claims, ${(piggyMs / 1000).toFixed(1)} s |`,
  );
} finally {
  await pool.end();
  await admin.query(`DROP TABLE IF EXISTS "${table}"`);
  await admin.end();
}

async function claimLatency(label) {
  const times = [];
  for (let i = 0; i < CLAIMS; i++) {
    const t0 = performance.now();
    await store.claim(`${label}:${i}`, { leaseMs: 30_000 });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(2);
  return `${at(0.5)} / ${at(0.99)} / ${times.at(-1).toFixed(2)}`;
}
