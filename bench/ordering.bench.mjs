// Issue #21's cost of the stale-event guard: the EUlabel receiver on RedisStore with `ordering: true` against
// the same receiver with `ordering: false` (target ≥ 0.85), inline dispatch, rows measured in alternating rounds
// (lib.mjs `measureGroup`). Deliveries: distinct passport events over 10 000 passports, timestamps increasing,
// so each delivery reads its entity's version and (its handler having run) advances it: the guard's full cost.
// Uses the BUILT dist: `pnpm build` first.
//   node bench/ordering.bench.mjs
// and the workers' side (`perEntity`), in this process: N queued deliveries of distinct passports drained by one
// worker (BullMQQueue + RedisStore, concurrency 8) with ordering off, ordering + perEntity: false, ordering +
// perEntity: 1; jobs/s per variant, alternating, best of BENCH_ROUNDS:
//   node bench/ordering.bench.mjs worker            (BENCH_JOBS, default 2 000)
// Env: BENCH_DURATION (s per row, default 5), BENCH_ROUNDS (5), BENCH_CONNECTIONS (50), BENCH_BODIES (100 000), REDIS_URL.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { benchRedis, measureGroup, printCpu, printTable, recordResults, serveWithCpu } from "./lib.mjs";

const SECRET = "bench-ordering-secret";
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "serve") await serve(process.argv[3]);
else if (process.argv[2] === "worker") await workers();
else await main();

async function workers() {
  const { createReceiver, providers } = await import("@webhook-kit/core");
  const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
  const { BullMQQueue } = await import("@webhook-kit/bullmq");
  const redis = await benchRedis();
  const jobs = Number(process.env.BENCH_JOBS ?? 2_000);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const pool = await deliveries(jobs);
  const variants = [
    { name: "ordering off", ordering: false },
    { name: "ordering, perEntity: false", ordering: true, perEntity: false },
    { name: "ordering, perEntity: 1 (default with a queue)", ordering: true, perEntity: 1 },
  ];
  const best = variants.map(() => 0);
  const bestCpu = variants.map(() => Number.POSITIVE_INFINITY); // this (worker) process's CPU µs per job
  const tag = `benchord${process.pid}${randomBytes(3).toString("hex")}`;
  const client = createRedisClient(redis.url);
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [i, variant] of variants.entries()) {
        const name = `${tag}r${round}v${i}`;
        const queue = new BullMQQueue({ connection: redis.url, name, prefix: tag });
        const receiver = createReceiver({
          provider: providers.eulabel({ secret: SECRET }),
          store: new RedisStore({ client, prefix: `${name}:` }),
          queue,
          ordering: variant.ordering,
          logger: false,
        });
        let done = 0;
        receiver.on(["passport.enriched", "passport.updated"], () => {
          done += 1;
        });
        for (const d of pool) {
          const answer = await receiver.handle({
            method: "POST",
            headers: d.headers,
            rawBody: Buffer.from(d.body),
          });
          if (answer.status !== 202) throw new Error(`enqueue answered ${answer.status}`);
        }
        const started = performance.now();
        const cpu = process.cpuUsage();
        const worker = receiver.work({
          concurrency: 8,
          ...(variant.ordering && { perEntity: variant.perEntity }),
        });
        while (done < jobs) await new Promise((r) => setTimeout(r, 5));
        const rate = jobs / ((performance.now() - started) / 1000);
        const used = process.cpuUsage(cpu);
        best[i] = Math.max(best[i], rate);
        bestCpu[i] = Math.min(bestCpu[i], (used.user + used.system) / jobs);
        await worker.close();
        await queue.close();
      }
    }
    const title = "Worker drain, BullMQQueue + RedisStore, concurrency 8 (best of rounds)";
    console.log(`\n### ${title}\n`);
    // A drain of `jobs` queued jobs: a rate, not a latency, so p50/p90/p99 do not apply.
    console.log(
      "| variant (a drain: percentiles do not apply) | jobs/s | worker CPU µs/job | ratio |\n| --- | ---: | ---: | ---: |",
    );
    for (const [i, variant] of variants.entries()) {
      console.log(
        `| ${variant.name} | ${Math.round(best[i])} | ${bestCpu[i].toFixed(1)} | ${(best[i] / best[0]).toFixed(2)} |`,
      );
    }
    recordResults(
      `${title} (rps = jobs/s, cpuUs = worker CPU µs per job, lowest of rounds; no percentiles)`,
      variants.map((variant, i) => ({
        name: variant.name,
        baseline: i === 0 ? undefined : variants[0].name,
        rps: best[i],
        cpuUs: bestCpu[i],
        jobs,
      })),
    );
  } finally {
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", `${tag}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await client.del(...keys);
    } while (cursor !== "0");
    await client.quit();
    await redis.stop();
  }
}

async function serve(kind) {
  const { createReceiver, providers } = await import("@webhook-kit/core");
  const { createNodeHandler } = await import("@webhook-kit/core/node");
  const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
  const client = createRedisClient(process.env.REDIS_URL);
  client.on("error", (err) => console.error("redis:", err.message));
  const store = new RedisStore({ client, prefix: `${process.env.PREFIX}${kind}:` });
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: SECRET }),
    store,
    ordering: kind === "ordering",
    logger: false,
  });
  receiver.on(["passport.enriched", "passport.updated"], () => {});
  const server = http.createServer(createNodeHandler(receiver));
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => serveWithCpu(server));
}

async function deliveries(count) {
  const eulabel = providers.eulabel({ secret: SECRET });
  const out = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      event: "passport.updated",
      id: `ps_${i % 10_000}`,
      gtin: "05601234567890",
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      compliance: {
        status: "incomplete",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: i % 100,
        missingFields: [],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      version: i,
    });
    const { headers } = await sign(eulabel, body);
    out.push({ body, headers: { "content-type": "application/json", ...headers } });
  }
  return out;
}

async function main() {
  const redis = await benchRedis();
  const { Redis } = await import("ioredis");
  const prefix = `webhook-kit-bench-ordering:${process.pid}:${randomBytes(3).toString("hex")}:`;
  try {
    const pool = await deliveries(Number(process.env.BENCH_BODIES ?? 100_000));
    const [off, on] = await measureGroup(self, ["plain", "ordering"], pool, {
      REDIS_URL: redis.url,
      PREFIX: prefix,
    });
    const rows = [
      { name: "EUlabel, RedisStore, ordering off", ...off },
      {
        name: "EUlabel, RedisStore, ordering: true",
        baseline: "EUlabel, RedisStore, ordering off",
        target: 0.85,
        ...on,
      },
    ];
    printTable("Stale-event guard cost (inline, RedisStore)", rows);
    printCpu(rows);
  } finally {
    const observer = new Redis(redis.url);
    let cursor = "0";
    do {
      const [next, keys] = await observer.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = next;
      if (keys.length > 0) await observer.del(...keys);
    } while (cursor !== "0");
    await observer.quit();
    await redis.stop();
  }
}
