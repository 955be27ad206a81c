// Redis store benchmark, one run: (a) bare node:http + hand-written HMAC check + JSON.parse, (b) the receiver
// on node:http with MemoryStore, (c) the same with RedisStore. Servers run in forked children so the load
// generator (autocannon, here) never shares their event loop. Uses the BUILT dist: run `pnpm build` first.
//   node bench/redis.bench.mjs            BENCH_DURATION=5 BENCH_CONNECTIONS=50 REDIS_URL=redis://…
import { fork, spawn } from "node:child_process";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import { fileURLToPath } from "node:url";

const SECRET = "bench-secret";
const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const POOL = Number(process.env.BENCH_BODIES ?? 150_000);
const TARGET = 0.7;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "serve") await serve(process.argv[3]);
else await main();

// ---------------------------------------------------------------- servers (child processes)

async function serve(kind) {
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
  if (kind === "redis") {
    const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
    const client = createRedisClient(process.env.REDIS_URL, {
      enableAutoPipelining: process.env.BENCH_AUTOPIPELINING === "1",
    });
    client.on("error", (err) => console.error("redis:", err.message));
    store = new RedisStore({ client, prefix: process.env.PREFIX });
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
  const rows = [];
  try {
    for (const [name, kind] of [
      ["(a) bare node:http + HMAC + JSON.parse", "bare"],
      ["(b) receiver, node:http, MemoryStore", "memory"],
      ["(c) receiver, node:http, RedisStore", "redis"],
    ]) {
      const child = fork(self, ["serve", kind], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: { ...process.env, REDIS_URL: redis.url, PREFIX: prefix },
      });
      const [{ port }] = await once(child, "message");
      const observer = kind === "redis" ? new Redis(redis.url) : undefined;
      const before = observer && (await evalshaCalls(observer));
      const result = await drive(autocannon, `http://127.0.0.1:${port}/`, deliveries);
      const scripts = observer ? (await evalshaCalls(observer)) - before : undefined;
      rows.push({
        name,
        ...result,
        roundTrips: scripts === undefined ? "0" : (scripts / result.total).toFixed(2),
      });
      if (observer) {
        await deleteKeys(observer, prefix);
        observer.disconnect();
      }
      child.kill();
      await once(child, "exit");
    }
  } finally {
    await redis.stop();
  }
  print(rows);
  const [bare, , viaRedis] = rows;
  if (viaRedis.rps / bare.rps < TARGET) process.exitCode = 1;
}

async function drive(autocannon, url, deliveries) {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const d = deliveries[next++ % deliveries.length];
          return { ...req, headers: d.headers, body: d.body };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p99: result.latency.p99,
    total: result.requests.total,
    bad: result.non2xx + result.errors + result.timeouts,
    repeats: Math.max(0, next - deliveries.length),
  };
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
  const [bare] = rows;
  console.log(
    `\n### Redis store: ${DURATION_S} s per row, ${CONNECTIONS} connections, 127.0.0.1, distinct signed bodies\n`,
  );
  console.log("| row | req/s | p99 ms | non-2xx/errors | ratio to (a) | Redis round trips / delivery |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
  for (const row of rows) {
    const ratio = row === bare ? "1.00" : (row.rps / bare.rps).toFixed(2);
    console.log(
      `| ${row.name} | ${Math.round(row.rps)} | ${row.p99} | ${row.bad} | ${ratio} | ${row.roundTrips} |`,
    );
  }
  const repeats = rows.filter((r) => r.repeats > 0);
  if (repeats.length > 0) console.log(`\nNote: the body pool (${POOL}) ran out; raise BENCH_BODIES.`);
  const ratio = rows[2].rps / bare.rps;
  console.log(`\nTarget (c) ≥ ${TARGET}× (a): ${ratio >= TARGET ? "met" : "MISSED"} (${ratio.toFixed(2)}×).`);
  console.log(
    "Round trips: claim + complete = 2 EVALSHA per new delivery (measured above from INFO commandstats); a duplicate costs 1 (claim → completed); renew adds 1 per leaseMs/3 that a handler runs (0 here).",
  );
}

// ---------------------------------------------------------------- Redis for the bench

async function redisForBench() {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (await answersPing(6379)) return { url: "redis://127.0.0.1:6379", stop: async () => {} };
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
  while (!(await answersPing(port))) await new Promise((r) => setTimeout(r, 25));
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      server.kill("SIGKILL");
      await once(server, "exit");
    },
  };
}

function answersPing(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
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
