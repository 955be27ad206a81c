// PostgresStore with a million expired rows: do claims stay fast, how long does one bounded sweep take, and
// how long until the backlog is gone through the sweeps that claims piggy-back? Uses the BUILT dist.
//   node bench/postgres-expiry.bench.mjs
// Env: DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), EXPIRED_ROWS=1000000, CLAIMS=2000.
import { randomBytes } from "node:crypto";
import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";
import pg from "pg";
import { recordResults } from "./lib.mjs";

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
  rows.push({ name: "claim latency, empty table", ...(await claimLatency("empty")) });

  let started = performance.now();
  await admin.query(
    `INSERT INTO "${table}" SELECT 'expired:' || i, 'completed', gen_random_uuid(), now() - interval '1 hour' - i * interval '1 millisecond' FROM generate_series(1, $1) i`,
    [EXPIRED_ROWS],
  );
  const loadMs = performance.now() - started;
  rows.push({
    name: `claim latency, ${EXPIRED_ROWS.toLocaleString("en")} expired rows`,
    ...(await claimLatency("backlog")),
  });

  const plan = await admin.query(
    `EXPLAIN DELETE FROM "${table}" WHERE key IN (SELECT key FROM "${table}" WHERE expires_at <= now() ORDER BY expires_at LIMIT 1000 FOR UPDATE SKIP LOCKED) AND expires_at <= now()`,
  );
  const usesIndex = plan.rows.some((r) => String(r["QUERY PLAN"]).includes(`${table}_expires_at`));

  // Drain the backlog with the store's own bounded DELETE (what claims trigger every `sweepEvery` claims).
  const sweeps = [];
  started = performance.now();
  const sweepCpu = process.cpuUsage();
  for (;;) {
    const t0 = performance.now();
    const deleted = await store.deleteExpired(1_000);
    sweeps.push(performance.now() - t0);
    if (deleted < 1_000) break;
  }
  const sweepCpuUs = cpuMicros(sweepCpu) / sweeps.length;
  const drainMs = performance.now() - started;
  const sweep = percentiles(sweeps);
  const left = Number(
    (await admin.query(`SELECT count(*) FROM "${table}" WHERE key LIKE 'expired:%'`)).rows[0].count,
  );

  // The same backlog once more, drained by claims alone (sweepEvery 100, sweepBatch 1 000 by default).
  await admin.query(
    `INSERT INTO "${table}" SELECT 'expired2:' || i, 'completed', gen_random_uuid(), now() - interval '1 hour' FROM generate_series(1, 100000) i`,
  );
  const piggy = new PostgresStore({ pool, table });
  started = performance.now();
  const piggyCpu = process.cpuUsage();
  let claims = 0;
  while (
    Number((await admin.query(`SELECT count(*) FROM "${table}" WHERE key LIKE 'expired2:%'`)).rows[0].count) >
    0
  ) {
    await Promise.all(Array.from({ length: 50 }, () => piggy.claim(`p:${claims++}`, { leaseMs: 30_000 })));
  }
  const piggyMs = performance.now() - started;
  const piggyCpuUs = cpuMicros(piggyCpu) / Math.max(1, claims);

  const title = `PostgresStore with ${EXPIRED_ROWS.toLocaleString("en")} expired rows (one run)`;
  // The latency rows: each operation timed alone; CPU is this (client) process's, not PostgreSQL's.
  const latency = [
    ...rows.map((r) => ({ ...r, name: `${r.name} (${CLAIMS} sequential claims)` })),
    {
      name: `one sweep (DELETE of 1 000 expired rows), over ${sweeps.length} sweeps`,
      ...sweep,
      cpuUs: sweepCpuUs,
    },
  ];
  // The rest are a duration, a count or a yes/no: p50/p90/p99 and CPU per operation do not apply.
  const totals = [
    {
      name: "loading the expired rows (one INSERT, both indexes maintained)",
      seconds: loadMs / 1000,
      shown: `${(loadMs / 1000).toFixed(1)} s`,
    },
    {
      name: "sweep plan uses the expires_at index",
      usesIndex: usesIndex ? 1 : 0,
      shown: usesIndex ? "yes" : "NO",
    },
    {
      name: "draining all of them with back-to-back sweeps",
      seconds: drainMs / 1000,
      left,
      shown: `${(drainMs / 1000).toFixed(1)} s (${left} left)`,
    },
    {
      name: "100 000 expired rows drained by piggy-backed sweeps alone (batches of 50 concurrent claims)",
      seconds: piggyMs / 1000,
      claims,
      cpuUs: piggyCpuUs,
      shown: `${claims} claims, ${(piggyMs / 1000).toFixed(1)} s, ${piggyCpuUs.toFixed(1)} client CPU µs/claim (the backlog count polled between batches included)`,
    },
  ];
  console.log(`\n### ${title}\n`);
  console.log("| operation | p50 ms | p90 ms | p99 ms | max ms | client CPU µs/op |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const r of latency) {
    console.log(
      `| ${r.name} | ${r.p50.toFixed(2)} | ${r.p90.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.max.toFixed(2)} | ${r.cpuUs.toFixed(1)} |`,
    );
  }
  console.log("\n| measure (a duration or a count: percentiles do not apply) | value |");
  console.log("| --- | ---: |");
  for (const r of totals) console.log(`| ${r.name} | ${r.shown} |`);
  recordResults(`${title}: latency per operation (ms; cpuUs: client CPU µs per operation; max: ms)`, latency);
  recordResults(
    `${title}: durations and counts (no percentiles: seconds, claims, left, usesIndex 1/0)`,
    totals.map(({ shown, ...r }) => r),
  );
} finally {
  await pool.end();
  await admin.query(`DROP TABLE IF EXISTS "${table}"`);
  await admin.end();
}

/** CLAIMS sequential claims: p50/p90/p99/max ms, and this process's CPU µs per claim. */
async function claimLatency(label) {
  const times = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < CLAIMS; i++) {
    const t0 = performance.now();
    await store.claim(`${label}:${i}`, { leaseMs: 30_000 });
    times.push(performance.now() - t0);
  }
  return { ...percentiles(times), cpuUs: cpuMicros(cpu) / CLAIMS };
}

/** p50/p90/p99 and max of `times` (ms), rounded to µs. */
function percentiles(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (p) => Number(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))].toFixed(3));
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Number(sorted.at(-1).toFixed(3)) };
}

function cpuMicros(since) {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}
