// Capacity of the durable path (issue #21), for docs/durable.md "Running at scale":
//  - per receiver process: signed EUlabel deliveries over HTTP → verified → RedisStore claim → BullMQQueue
//    enqueue → 202 (no worker running), req/s;
//  - per worker process: jobs/s draining the queue with a trivial handler (concurrency 16);
//  - per Redis primary: the Redis CPU one delivery costs on each path (INFO cpu, server side), and so the
//    deliveries/s one primary (one core, Redis is single-threaded) can carry at 100 % CPU.
// It starts its own redis-server so the CPU counters are ours alone. BENCH_RUNS runs (default 3) give the
// spread. Uses the built dist (`pnpm build` first).   node bench/queue-capacity.bench.mjs
import { spawn } from "node:child_process";
import { once } from "node:events";
import http from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { freePort, redisAnswers } from "../scripts/net.mjs";
import { eulabelDeliveries, measureGroup, recordResults, serveWithCpu } from "./lib.mjs";

const SECRET = "bench_secret";
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const JOBS = Number(process.env.BENCH_JOBS ?? 5_000);
const { REDIS_URL, BENCH_QUEUE } = process.env;

async function serveReceiver() {
  const client = createRedisClient(REDIS_URL);
  client.on("error", () => {});
  const store = new RedisStore({ client, prefix: `bench:capacity:${process.pid}:` });
  const queue = new BullMQQueue({ connection: REDIS_URL, name: BENCH_QUEUE });
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: SECRET }),
    store,
    queue,
    logger: false,
  });
  receiver.on("*", () => {});
  const server = http.createServer(createNodeHandler(receiver, { path: "/hook" }));
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** A private redis-server: its CPU counters see this benchmark's load only. */
async function privateRedis() {
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const server = spawn("redis-server", args, { stdio: "ignore" });
  server.once("error", (err) => {
    console.error(`redis-server could not start (${err.message}); install redis-server.`);
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

/** Redis server CPU seconds (user + sys) so far. */
async function redisCpu(admin) {
  const info = await admin.info("cpu");
  const read = (field) => Number(new RegExp(`${field}:([\\d.]+)`).exec(info)?.[1] ?? 0);
  return read("used_cpu_user") + read("used_cpu_sys");
}

async function waiting(url, name) {
  const queue = new Queue(name, { connection: { url } });
  const counts = await queue.getJobCounts("wait", "prioritized");
  await queue.close();
  return counts.wait + counts.prioritized;
}

async function obliterate(url, name) {
  const queue = new Queue(name, { connection: { url } });
  await queue.obliterate({ force: true });
  await queue.close();
}

/** One receiver process under autocannon; the deliveries it queued and the Redis CPU they cost. */
async function receiverRun(url, admin, deliveries, run) {
  const name = `capacity-receiver-${process.pid}-${run}`;
  const self = fileURLToPath(import.meta.url);
  const before = await redisCpu(admin);
  const [row] = await measureGroup(self, ["receiver"], deliveries, { REDIS_URL: url, BENCH_QUEUE: name });
  const cpu = (await redisCpu(admin)) - before;
  const queued = await waiting(url, name);
  await obliterate(url, name);
  // The warm-up round queued too: Redis CPU is divided by every job that reached the queue.
  return {
    rps: row.rps,
    p50: row.p50,
    p90: row.p90,
    p99: row.p99,
    cpuUs: row.cpuUs, // the receiver process's CPU per delivery (lib.mjs `serveWithCpu`)
    bad: row.bad,
    redisUsPerDelivery: (cpu * 1e6) / Math.max(1, queued),
  };
}

/** Enqueues JOBS deliveries, then one worker process (this one) drains them. */
async function workerRun(url, admin, run) {
  const name = `capacity-worker-${process.pid}-${run}`;
  const queue = new BullMQQueue({ connection: url, name });
  const receiver = createReceiver({ provider: providers.eulabel({ secret: SECRET }), queue, logger: false });
  let done = 0;
  let finish;
  const all = new Promise((resolve) => {
    finish = resolve;
  });
  receiver.on("*", () => {
    done += 1;
    if (done === JOBS) finish();
  });
  const body = JSON.stringify({ event: "scan.threshold", id: "x" });
  const batch = [];
  for (let i = 0; i < JOBS; i++) {
    const delivery = { key: `eulabel:capacity:${run}:${i}`, provider: "eulabel", type: "scan.threshold" };
    batch.push(queue.enqueue({ ...delivery, body, headers: {}, receivedAt: Date.now() }));
    if (batch.length === 200) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  const before = await redisCpu(admin);
  const started = performance.now();
  const ownCpu = process.cpuUsage();
  const worker = receiver.work({ concurrency: 16 });
  await all;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(ownCpu);
  const cpu = (await redisCpu(admin)) - before;
  await worker.close();
  await queue.close();
  await obliterate(url, name);
  // cpuUs: this (worker) process's CPU per job while draining.
  return {
    jobsPerSecond: JOBS / seconds,
    cpuUs: (used.user + used.system) / JOBS,
    redisUsPerJob: (cpu * 1e6) / JOBS,
  };
}

const spread = (values, digits = 0) => {
  const sorted = [...values].sort((a, b) => a - b);
  const f = (v) => v.toFixed(digits);
  return `${f(sorted[Math.floor(sorted.length / 2)])} (${f(sorted[0])}–${f(sorted[sorted.length - 1])})`;
};

if (process.argv[2] === "serve") {
  serveWithCpu(await serveReceiver());
} else {
  const redis = REDIS_URL ? { url: REDIS_URL, stop: async () => {} } : await privateRedis();
  const admin = new Redis(redis.url);
  try {
    const deliveries = await eulabelDeliveries(SECRET);
    const receivers = [];
    const workers = [];
    for (let run = 0; run < RUNS; run++) {
      receivers.push(await receiverRun(redis.url, admin, deliveries, run));
      workers.push(await workerRun(redis.url, admin, run));
    }
    const load = os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ");
    const title = `Queue capacity — ${RUNS} runs, median (min–max)`;
    console.log(`\n### ${title}; ${os.cpus().length} cores, load average ${load}\n`);
    console.log(
      "| path | per process | p50 ms | p90 ms | p99 ms | process CPU µs per delivery | Redis CPU µs per delivery | one Redis primary at 100 % CPU |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    const enqueueUs = receivers.map((r) => r.redisUsPerDelivery);
    const runUs = workers.map((w) => w.redisUsPerJob);
    const perPrimary = (us) => us.map((u) => 1e6 / u);
    const pick = (list, field, digits = 0) =>
      spread(
        list.map((r) => r[field]),
        digits,
      );
    console.log(
      `| receiver: verify + RedisStore + enqueue → 202 | ${pick(receivers, "rps")} req/s | ${pick(receivers, "p50", 1)} | ${pick(receivers, "p90", 1)} | ${pick(receivers, "p99", 1)} | ${pick(receivers, "cpuUs", 1)} | ${spread(enqueueUs, 1)} | ${spread(perPrimary(enqueueUs))} /s |`,
    );
    console.log(
      `| worker, concurrency 16, trivial handler (a drain of ${JOBS} queued jobs: no per-job latency, percentiles do not apply) | ${pick(workers, "jobsPerSecond")} jobs/s | | | | ${pick(workers, "cpuUs", 1)} | ${spread(runUs, 1)} | ${spread(perPrimary(runUs))} /s |`,
    );
    const both = enqueueUs.map((u, i) => u + (runUs[i] ?? 0));
    console.log(
      `| both (receive and run each delivery) | | | | | | ${spread(both, 1)} | ${spread(perPrimary(both))} /s |`,
    );
    // The result file keeps the median of the runs (rps: receiver req/s or worker jobs/s).
    const median = (list, field) => {
      const sorted = list.map((r) => r[field]).sort((a, b) => a - b);
      return sorted[Math.floor(sorted.length / 2)];
    };
    const bothMedian = [...both].sort((a, b) => a - b)[Math.floor(both.length / 2)];
    recordResults(
      "Queue capacity, median of BENCH_RUNS runs: p50/p90/p99 ms of the receiver runs, cpuUs: the process's CPU per delivery, redisCpuUs: Redis's; the worker row is a drain (rps = jobs/s, no percentiles)",
      [
        {
          name: "receiver: verify + RedisStore + enqueue → 202",
          rps: median(receivers, "rps"),
          p50: median(receivers, "p50"),
          p90: median(receivers, "p90"),
          p99: median(receivers, "p99"),
          p99Worst: Math.max(...receivers.map((r) => r.p99)),
          cpuUs: median(receivers, "cpuUs"),
          bad: receivers.reduce((sum, r) => sum + r.bad, 0),
          redisCpuUs: median(receivers, "redisUsPerDelivery"),
          perRedisPrimary: 1e6 / median(receivers, "redisUsPerDelivery"),
        },
        {
          name: "worker, concurrency 16, trivial handler",
          rps: median(workers, "jobsPerSecond"),
          cpuUs: median(workers, "cpuUs"),
          redisCpuUs: median(workers, "redisUsPerJob"),
          perRedisPrimary: 1e6 / median(workers, "redisUsPerJob"),
        },
        {
          name: "both (receive and run each delivery)",
          redisCpuUs: bothMedian,
          perRedisPrimary: 1e6 / bothMedian,
        },
      ],
    );
    const bad = receivers.reduce((sum, r) => sum + r.bad, 0);
    if (bad > 0) console.log(`\n${bad} non-2xx answers during the receiver runs`);
  } finally {
    admin.disconnect();
    await redis.stop();
  }
}
