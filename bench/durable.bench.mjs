// Durable dispatch (issue #9), one run: the receiver answering once a delivery is queued on BullMQ (Redis)
// vs the receiver running no-op handlers inline with RedisStore (the synchronous mode), same traffic,
// alternating rounds; then worker throughput: jobs/s with no-op handlers at concurrency 1 and 16.
// Uses the built dist (`pnpm build` first).   node bench/durable.bench.mjs
import http from "node:http";
import { fileURLToPath } from "node:url";
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { Queue } from "bullmq";
import {
  benchRedis,
  eulabelDeliveries,
  measureGroup,
  printCpu,
  printTable,
  recordResults,
  serveWithCpu,
} from "./lib.mjs";

const SECRET = "bench_secret";
const { REDIS_URL, BENCH_QUEUE } = process.env;

async function serve(kind) {
  const client = createRedisClient(REDIS_URL);
  client.on("error", () => {});
  const store = new RedisStore({ client, prefix: `bench:${kind}:${process.pid}:` });
  const queue =
    kind === "queued" ? new BullMQQueue({ connection: REDIS_URL, name: `${BENCH_QUEUE}` }) : undefined;
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: SECRET }),
    store,
    logger: false,
    ...(queue && { queue }),
  });
  receiver.on("*", () => {});
  const server = http.createServer(createNodeHandler(receiver, { path: "/hook" }));
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

/** Leaves nothing behind in a shared Redis. */
async function obliterate(url, name) {
  const queue = new Queue(name, { connection: { url } });
  await queue.obliterate({ force: true });
  await queue.close();
}

/** Enqueues `count` deliveries, then times one worker (this process) draining them: jobs/s, CPU µs per job. */
async function workerDrain(url, count, concurrency) {
  const name = `bench-worker-${process.pid}-${concurrency}`;
  const queue = new BullMQQueue({ connection: url, name });
  const receiver = createReceiver({ provider: providers.eulabel({ secret: SECRET }), queue, logger: false });
  let done = 0;
  let resolveAll;
  const all = new Promise((resolve) => {
    resolveAll = resolve;
  });
  receiver.on("*", () => {
    done += 1;
    if (done === count) resolveAll();
  });
  const body = JSON.stringify({ event: "scan.threshold", id: "x" });
  const batch = [];
  for (let i = 0; i < count; i++) {
    batch.push(
      queue.enqueue({
        key: `eulabel:bench:${i}`,
        provider: "eulabel",
        type: "scan.threshold",
        body,
        headers: {},
        receivedAt: Date.now(),
      }),
    );
    if (batch.length === 200) await Promise.all(batch.splice(0));
  }
  await Promise.all(batch);
  const started = performance.now();
  const cpu = process.cpuUsage();
  const worker = receiver.work({ concurrency });
  await all;
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  await worker.close();
  await queue.close();
  await obliterate(url, name);
  return { jobsPerSecond: Math.round(count / seconds), cpuUs: (used.user + used.system) / count };
}

if (process.argv[2] === "serve") {
  serveWithCpu(await serve(process.argv[3]));
} else {
  const redis = await benchRedis();
  try {
    const deliveries = await eulabelDeliveries(SECRET);
    const self = fileURLToPath(import.meta.url);
    const env = { REDIS_URL: redis.url, BENCH_QUEUE: `bench-receiver-${process.pid}` };
    const [sync, queued] = await measureGroup(self, ["sync", "queued"], deliveries, env);
    await obliterate(redis.url, env.BENCH_QUEUE);
    const syncName = "receiver + RedisStore, no-op handlers inline (synchronous mode)";
    const rows = [
      { name: syncName, ...sync },
      {
        name: "receiver + RedisStore + BullMQQueue (202 once queued)",
        baseline: syncName,
        target: 0.8,
        ...queued,
      },
    ];
    printTable("Durable dispatch — queued vs synchronous, same traffic (same run)", rows);
    printCpu(rows);
    const count = Number(process.env.BENCH_JOBS ?? 5_000);
    // A drain of `count` queued jobs: a rate, not a latency, so p50/p90/p99 do not apply.
    console.log(
      `\n| worker, no-op handlers (a drain of ${count} jobs: percentiles do not apply) | jobs/s | worker CPU µs/job |\n| --- | ---: | ---: |`,
    );
    const workers = [];
    for (const concurrency of [1, 16]) {
      const { jobsPerSecond, cpuUs } = await workerDrain(redis.url, count, concurrency);
      const name = `BullMQQueue on Redis, concurrency ${concurrency}`;
      console.log(`| ${name} | ${jobsPerSecond} | ${cpuUs.toFixed(1)} |`);
      workers.push({ name, rps: jobsPerSecond, cpuUs, jobs: count });
    }
    recordResults(
      "Worker drain, no-op handlers (rps = jobs/s, cpuUs = worker CPU µs per job, no percentiles)",
      workers,
    );
  } finally {
    await redis.stop();
  }
}
