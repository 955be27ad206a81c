// Store benchmark, one run: (a) bare node:http + hand-written HMAC check + JSON.parse, (b) the receiver on
// node:http with MemoryStore, (c) the same with RedisStore, (d) the same with PostgresStore. Servers run in
// forked children so the load generator (autocannon, here) never shares their event loop. Uses the BUILT
// dist: run `pnpm build` first.
//   node bench/redis.bench.mjs
// Env: BENCH_DURATION=5 (s per row), BENCH_ROUNDS=3, BENCH_CONNECTIONS=50, BENCH_BODIES=200000,
// REDIS_URL (default: 127.0.0.1:6379 if it answers, else a redis-server of its own),
// BENCH_REDIS_WRITES=1 (only the RedisStore row, with and without ioredis' enableAutoPipelining, which
// createRedisClient turns on: it replaced a hand-written write batching that measured no better),
// DATABASE_URL (default: postgres://postgres@127.0.0.1:5432/test), BENCH_PG_POOL=10 (PostgresStore pool size).
import { fork, spawn } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { freePort, redisAnswers } from "../scripts/net.mjs";
import { recordResults } from "./lib.mjs";

const SECRET = "bench-secret";
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const POOL = Number(process.env.BENCH_BODIES ?? 200_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TARGET = 0.7;
const PG_TARGET = 0.6; // (d) against (c): issue #13
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const self = fileURLToPath(import.meta.url);

/** Statements the PostgresStore row's connections were asked to run (its round trips). */
const counters = { statements: 0 };

if (process.argv[2] === "serve") await serve(process.argv[3]);
else await main();

// ---------------------------------------------------------------- servers (child processes)

async function serve(kind) {
  // CPU spent by this server, asked for around each measurement: a load-independent cost per request.
  process.on("disconnect", () => process.exit(0)); // the driver died: do not linger
  process.on("message", (message) => {
    if (message === "cpu") process.send({ cpu: process.cpuUsage(), statements: counters.statements });
  });
  const server = http.createServer(kind === "bare" ? bareHandler() : await receiverHandler(kind));
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => process.send({ port: server.address().port }));
}

/** The floor: what any receiver must do at least (read, HMAC, constant-time compare, parse). */
function bareHandler() {
  return (req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
      const given = Buffer.from(String(req.headers["x-eulabel-signature"] ?? ""));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.writeHead(401).end();
        return;
      }
      JSON.parse(body.toString("utf8"));
      res.writeHead(200, { "content-type": "application/json" }).end('{"received":true}');
    });
  };
}

async function receiverHandler(kind) {
  const { createReceiver, MemoryStore, providers } = await import("@webhook-kit/core");
  const { createNodeHandler } = await import("@webhook-kit/core/node");
  let store = new MemoryStore({ maxEntries: 1_000_000 });
  if (kind.startsWith("redis")) {
    const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
    const client = createRedisClient(process.env.REDIS_URL, {
      enableAutoPipelining: kind !== "redis-plain",
    });
    client.on("error", (err) => console.error("redis:", err.message));
    store = new RedisStore({ client, prefix: process.env.PREFIX });
  }
  if (kind === "postgres" || kind === "postgres-async") {
    const { createPostgresPool, PostgresStore } = await import("@webhook-kit/postgres");
    const pool = createPostgresPool({
      connectionString: DATABASE_URL,
      max: Number(process.env.BENCH_PG_POOL ?? 10),
      application_name: `webhook-kit-bench-${kind}`, // so the driver can find its backends' CPU time
      // (e): commits return before the WAL is flushed (see docs/postgres.md, "Durability").
      ...(kind === "postgres-async" && { options: "-c synchronous_commit=off" }),
    });
    pool.on("error", (err) => console.error("postgres:", err.message));
    const counted = new WeakSet();
    pool.on("acquire", (client) => {
      if (counted.has(client)) return;
      counted.add(client);
      const query = client.query.bind(client);
      client.query = (...args) => {
        counters.statements += 1;
        return query(...args);
      };
    });
    store = new PostgresStore({ pool, table: process.env.PG_TABLE });
    await store.createSchema();
  }
  const receiver = createReceiver({ provider: providers.eulabel({ secret: SECRET }), store });
  receiver.on("passport.published", () => {}); // so every delivery is claimed AND completed
  return createNodeHandler(receiver);
}

// ---------------------------------------------------------------- driver

async function main() {
  const { default: autocannon } = await import("autocannon");
  const { Redis } = await import("ioredis");
  const redis = await redisForBench();
  const deliveries = signedDeliveries(POOL);
  const prefix = `webhook-kit-bench:${process.pid}:${randomBytes(3).toString("hex")}:`;
  const pgTable = `webhook_kit_bench_${process.pid}_${randomBytes(3).toString("hex")}`;
  const rows = process.env.BENCH_REDIS_WRITES === "1" ? redisWriteRows() : allRows();
  const observer = new Redis(redis.url);

  try {
    for (const row of rows) {
      row.child = fork(self, ["serve", row.kind], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix, PG_TABLE: pgTable },
      });
      [{ port: row.port }] = await once(row.child, "message");
      row.cursor = { next: 0 }; // each row walks the body pool from its own start, never repeating within the run
      row.rounds = [];
      await drive(autocannon, row, deliveries, 1); // warm-up: JIT, sockets, Redis script cache
    }
    // Rows take turns (a b c a b c …) so a change in machine load hits every row alike.
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) {
        const before = row.kind.startsWith("redis") ? await evalshaCalls(observer) : 0;
        const redisCpuBefore = row.kind.startsWith("redis") ? await redisCpuMicros(observer) : 0;
        const pgCpuBefore = row.kind.startsWith("postgres") ? await postgresCpuMicros(row.kind) : 0;
        const counted = await childCounters(row.child);
        const result = await drive(autocannon, row, deliveries, DURATION_S / ROUNDS);
        const after = await childCounters(row.child);
        result.serverCpu = after.cpu - counted.cpu;
        result.statements = after.statements - counted.statements;
        result.scripts = row.kind.startsWith("redis") ? (await evalshaCalls(observer)) - before : 0;
        result.redisCpu = row.kind.startsWith("redis")
          ? (await redisCpuMicros(observer)) - redisCpuBefore
          : 0;
        result.pgCpu = row.kind.startsWith("postgres")
          ? (await postgresCpuMicros(row.kind)) - pgCpuBefore
          : 0;
        row.rounds.push(result);
      }
    }
  } finally {
    for (const row of rows) {
      row.child?.kill();
      if (row.child) await once(row.child, "exit");
    }
    await deleteKeys(observer, prefix);
    observer.disconnect();
    await redis.stop();
    await dropTable(pgTable);
  }
  for (const row of rows) summarise(row, deliveries.length);
  if (process.env.BENCH_REDIS_WRITES === "1") printRedisWrites(rows);
  else print(rows);
  // A missed target is reported in the table, not as a failure: req/s depends on the machine's load.
}

function allRows() {
  return [
    { name: "(a) bare node:http + HMAC + JSON.parse", kind: "bare" },
    { name: "(b) receiver, node:http, MemoryStore", kind: "memory" },
    { name: "(c) receiver, node:http, RedisStore", kind: "redis" },
    { name: "(d) receiver, node:http, PostgresStore", kind: "postgres" },
    { name: "(e) receiver, node:http, PostgresStore, synchronous_commit=off", kind: "postgres-async" },
  ];
}

function redisWriteRows() {
  return [
    { name: "RedisStore, createRedisClient (enableAutoPipelining)", kind: "redis" },
    { name: "RedisStore, enableAutoPipelining: false", kind: "redis-plain" },
  ];
}

function printRedisWrites(rows) {
  console.log(
    `\n### RedisStore writes: ${DURATION_S} s per row in ${ROUNDS} interleaved rounds, ${CONNECTIONS} connections\n`,
  );
  console.log(
    "| row | req/s | p50 ms | p90 ms | p99 ms | worst-round p99 ms | non-2xx/errors | receiver CPU µs/req | Redis CPU µs/req | ratio |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const [base] = rows;
  for (const row of rows) {
    const ratio = row === base ? "1.00 (baseline)" : (row.rps / base.rps).toFixed(2);
    console.log(
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p50} | ${row.p90} | ${row.p99} | ${row.p99Worst} | ${row.bad} | ${row.serverCpu.toFixed(1)} | ${row.redisCpu.toFixed(1)} | ${ratio} |`,
    );
  }
  recordResults(
    "RedisStore writes, interleaved rounds (p50/p90/p99: median round; cpuUs: receiver; storeCpuUs: redis-server)",
    rows.map((row) => recorded(row, row === base ? undefined : base.name)),
  );
}

/** A row as `recordResults` keeps it: receiver CPU as cpuUs, the store server's as storeCpuUs. */
function recorded(row, baseline, target) {
  const storeCpuUs = row.kind.startsWith("redis")
    ? row.redisCpu
    : row.kind.startsWith("postgres")
      ? row.pgCpu
      : undefined;
  return {
    name: row.name,
    baseline,
    target,
    rps: row.rps,
    p50: row.p50,
    p90: row.p90,
    p99: row.p99,
    p99Worst: row.p99Worst,
    cpuUs: row.serverCpu,
    bad: row.bad,
    storeCpuUs,
    roundTrips: row.kind === "bare" || row.kind === "memory" ? undefined : row.roundTrips,
  };
}

async function drive(autocannon, row, deliveries, durationS) {
  const result = await autocannon({
    url: `http://127.0.0.1:${row.port}/`,
    connections: CONNECTIONS,
    duration: durationS,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const d = deliveries[row.cursor.next++ % deliveries.length];
          return { ...req, headers: d.headers, body: d.body };
        },
      },
    ],
  });
  return {
    total: result.requests.total,
    seconds: result.duration,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    bad: result.non2xx + result.errors + result.timeouts,
  };
}

function summarise(row, pool) {
  const sum = (f) => row.rounds.reduce((n, r) => n + f(r), 0);
  const median = (f) => {
    const values = row.rounds.map(f).sort((x, y) => x - y);
    return values[Math.floor(values.length / 2)];
  };
  row.total = sum((r) => r.total);
  row.rps = row.total / sum((r) => r.seconds);
  row.p50 = median((r) => r.p50);
  row.p90 = median((r) => r.p90);
  row.p99 = median((r) => r.p99);
  row.p99Worst = Math.max(...row.rounds.map((r) => r.p99));
  row.bad = sum((r) => r.bad);
  const trips = row.kind.startsWith("redis") ? sum((r) => r.scripts) : sum((r) => r.statements);
  row.roundTrips = trips / row.total;
  row.serverCpu = sum((r) => r.serverCpu) / row.total;
  row.redisCpu = sum((r) => r.redisCpu) / row.total;
  row.pgCpu = sum((r) => r.pgCpu) / row.total;
  row.repeated = row.kind !== "bare" && row.cursor.next > pool;
}

/** Distinct, validly signed EUlabel deliveries: a repeat would hit the cheaper duplicate path. */
function signedDeliveries(count) {
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      event: "passport.published",
      id: `ps_${i.toString(36)}`,
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      compliance: {
        status: "compliant",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: 100,
        missingFields: [],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      version: 1,
    });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    out[i] = { body, headers: { "content-type": "application/json", "x-eulabel-signature": signature } };
  }
  return out;
}

function print(rows) {
  const [bare, memory, redis, postgres, postgresAsync] = rows;
  console.log(
    `\n### Stores: ${DURATION_S} s per row in ${ROUNDS} interleaved rounds, ${CONNECTIONS} connections, 127.0.0.1, distinct signed bodies (p50/p90/p99: median of rounds)\n`,
  );
  console.log(
    "| row | req/s | p50 ms | p90 ms | p99 ms | worst-round p99 ms | non-2xx/errors | ratio to (a) | ratio to (b) | ratio to (c) | store statements / delivery | receiver CPU µs/req | store server CPU µs/req |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const ratio = (row.rps / bare.rps).toFixed(2);
    const toMemory = row.kind === "bare" ? "" : (row.rps / memory.rps).toFixed(2);
    const toRedis =
      row.kind === "redis" || row.kind.startsWith("postgres") ? (row.rps / redis.rps).toFixed(2) : "";
    console.log(
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p50} | ${row.p90} | ${row.p99} | ${row.p99Worst} | ${row.bad} | ${ratio} | ${toMemory} | ${toRedis} | ${row.roundTrips.toFixed(2)} | ${row.serverCpu.toFixed(1)} | ${row.kind.startsWith("redis") ? row.redisCpu.toFixed(1) : row.kind.startsWith("postgres") ? row.pgCpu.toFixed(1) : ""} |`,
    );
  }
  if (rows.some((r) => r.repeated)) {
    console.log(
      `\nNote: a store row used more than ${POOL} bodies, so some were duplicates; raise BENCH_BODIES.`,
    );
  }
  const ratio = redis.rps / bare.rps;
  console.log(`\nTarget (c) ≥ ${TARGET}× (a): ${ratio >= TARGET ? "met" : "MISSED"} (${ratio.toFixed(2)}×).`);
  for (const [label, row] of [
    ["(d)", postgres],
    ["(e)", postgresAsync],
  ]) {
    const pgRatio = row.rps / redis.rps;
    console.log(
      `Target ${label} ≥ ${PG_TARGET}× (c): ${pgRatio >= PG_TARGET ? "met" : "MISSED"} (${pgRatio.toFixed(2)}×).`,
    );
  }
  console.log(
    "Statements: Redis runs claim + complete = 2 EVALSHA per new delivery (INFO commandstats; batched writes share a socket write, not a script). PostgresStore sends the claims of one event-loop turn as one statement and the completions as another (batchWrites), so under load a delivery costs a fraction of a statement; alone it costs 2 (claim + complete), a duplicate 1. The expired-row sweep (every 100 claims) is counted. Store server CPU: redis-server's used_cpu, or the CPU time of the row's PostgreSQL backends (/proc), WAL writer and checkpointer not included.",
  );
  // One baseline per recorded row, as the targets read: (b) and (c) against (a), (d) and (e) against (c).
  recordResults(
    "Stores, interleaved rounds (p50/p90/p99: median round; cpuUs: receiver; storeCpuUs: the store server; roundTrips: store statements per delivery)",
    [
      recorded(bare),
      recorded(memory, bare.name),
      recorded(redis, bare.name, TARGET),
      recorded(postgres, redis.name, PG_TARGET),
      recorded(postgresAsync, redis.name, PG_TARGET),
    ],
  );
}

// ---------------------------------------------------------------- Redis for the bench

async function redisForBench() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (await redisAnswers(6379)) return { url: "redis://127.0.0.1:6379", stop: async () => {} };
  const port = await freePort();
  const server = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    {
      stdio: "ignore",
    },
  );
  server.once("error", (err) => {
    console.error(`redis-server could not start (${err.message}); set REDIS_URL or install redis-server.`);
    process.exit(1);
  });
  while (!(await redisAnswers(port))) await new Promise((r) => setTimeout(r, 25));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill("SIGKILL");
      await once(server, "exit");
    },
  };
}

async function childCounters(child) {
  child.send("cpu");
  const [{ cpu, statements }] = await once(child, "message");
  return { cpu: cpu.user + cpu.system, statements };
}

/** CPU time (µs) of the PostgreSQL backends serving `kind`'s pool, when the server runs on this machine. */
async function postgresCpuMicros(kind) {
  const { default: pg } = await import("pg");
  const { readFileSync } = await import("node:fs");
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const { rows } = await client.query("SELECT pid FROM pg_stat_activity WHERE application_name = $1", [
    `webhook-kit-bench-${kind}`,
  ]);
  await client.end();
  const tick = 10_000; // µs per clock tick (USER_HZ = 100 on Linux)
  let total = 0;
  for (const { pid } of rows) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      total += (Number(fields[11]) + Number(fields[12])) * tick;
    } catch {} // not on this machine, or the backend just ended
  }
  return total;
}

async function dropTable(table) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`DROP TABLE IF EXISTS "${table}"`);
  await client.end();
}

/** used_cpu_user + used_cpu_sys of the whole Redis server (other clients of a shared Redis count too). */
async function redisCpuMicros(client) {
  const info = await client.info("cpu");
  const read = (name) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return (read("used_cpu_user") + read("used_cpu_sys")) * 1e6;
}

async function evalshaCalls(client) {
  const info = await client.info("commandstats");
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

async function deleteKeys(client, prefix) {
  let cursor = "0";
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== "0");
}
