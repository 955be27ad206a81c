#!/usr/bin/env node
// The no-loss soak: two receiver processes (createNodeHandler + RedisStore, BUILT packages — run `pnpm build`
// first) share a private, durable redis-server (AOF, fsync always) that is SIGKILLed and restarted in the
// middle. A sender delivers every event, with 30 % of the deliveries duplicates (half sent to both processes
// at once, half again after the first was acknowledged), retrying 409 / 429 / 5xx / network errors on a
// time-scaled schedule that honours Retry-After; 5 % of handler runs fail on purpose. Each process keeps a
// ledger of successful runs. The summary (one JSON line on stdout) must show 0 lost and 0 processed twice;
// otherwise the script exits 1. Progress goes to stderr.
//
// Environment: SOAK_DELIVERIES (50 000), SOAK_DUPLICATE_RATE (0.3), SOAK_FAIL_RATE (0.05), SOAK_CONCURRENCY
// (64), SOAK_TIME_SCALE (0.05: a sender's 1 s becomes 50 ms), SOAK_REDIS_DOWN_MS (1 000), SOAK_SEED (1),
// REDIS_SERVER (redis-server). SOAK_RECEIVER_STORE=memory is a negative control: per-process MemoryStores
// cannot dedupe across the two processes, so the ledger must report doubles and the script exit 1.
import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { freePort, redisAnswers } from "./net.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RECEIVER = path.join(ROOT, "scripts/soak-receiver.mjs");
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/redis/dist/index.js"];

const env = process.env;
const DELIVERIES = int("SOAK_DELIVERIES", 50_000);
const DUPLICATE_RATE = num("SOAK_DUPLICATE_RATE", 0.3);
const FAIL_RATE = num("SOAK_FAIL_RATE", 0.05);
const CONCURRENCY = int("SOAK_CONCURRENCY", 64);
const TIME_SCALE = num("SOAK_TIME_SCALE", 0.05);
const REDIS_DOWN_MS = int("SOAK_REDIS_DOWN_MS", 1_000);
const SEED = int("SOAK_SEED", 1);
const REDIS_SERVER = env.REDIS_SERVER ?? "redis-server";
// Longer than the outage + reconnect + a background complete retry: a completion Redis missed while down
// still lands before the lease could let a duplicate take the event over (docs/redis.md).
const LEASE_MS = 6_000;
/** A sender's retry schedule in real seconds (1 s, 2 s, 4 s … 30 s), time-scaled by SOAK_TIME_SCALE. */
const SCHEDULE_S = [1, 2, 4, 8, 16, 30];
const MAX_ATTEMPTS = 60;
const SECRET = "soak-secret-0f1e2d3c";
const RETRYABLE = new Set([0, 408, 409, 429, 500, 502, 503, 504]);

function int(name, fallback) {
  const v = env[name] === undefined ? fallback : Number(env[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}
function num(name, fallback) {
  const v = env[name] === undefined ? fallback : Number(env[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const log = (msg) => process.stderr.write(`[soak] ${msg}\n`);

/** mulberry32: a small seeded PRNG, so a run's plan is reproducible from SOAK_SEED. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A private, durable redis-server on a free port that can be SIGKILLed and restarted with its data. */
async function privateRedis() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-soak-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir];
  args.push("--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no");
  let child;
  const start = async () => {
    child = spawn(REDIS_SERVER, args, { stdio: "ignore" });
    const failed = new Promise((_, reject) => {
      child.once("error", (e) =>
        reject(new Error(`redis-server could not start (${REDIS_SERVER}): ${e.message}`)),
      );
      child.once("exit", (code) => reject(new Error(`redis-server exited at start (code ${code})`)));
    });
    failed.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await Promise.race([redisAnswers(port), failed]))) {
      if (Date.now() > deadline) throw new Error(`redis-server on ${port} did not answer within 10 s`);
      await sleep(25);
    }
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
  };
  await start();
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, url: `redis://127.0.0.1:${port}`, start, kill, stop };
}

function startReceiver(name, extraEnv) {
  const child = spawn(process.execPath, [RECEIVER], {
    env: { ...process.env, ...extraEnv, NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c) => {
    stderr += c;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`receiver ${name} did not start in 10 s: ${stderr}`)),
      10_000,
    );
    child.once("exit", (code) => reject(new Error(`receiver ${name} exited (${code}) at start: ${stderr}`)));
    let announced = false;
    child.stdout.on("data", (c) => {
      stdout += c;
      const ready = /READY (\d+)/.exec(stdout);
      if (!ready || announced) return;
      announced = true;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      resolve({
        name,
        port: Number(ready[1]),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(undefined);
            child.once("exit", () => {
              const line = /STATS (.*)/.exec(stdout);
              done(line ? JSON.parse(line[1]) : { name, error: `no stats; stderr: ${stderr.slice(-500)}` });
            });
            child.kill("SIGTERM");
          }),
        kill: () => child.kill("SIGKILL"),
      });
    });
  });
}

async function main() {
  const missing = BUILT.filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length > 0)
    throw new Error(`soak runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`);

  const random = prng(SEED);
  const duplicates = Math.round(DELIVERIES * DUPLICATE_RATE);
  const events = DELIVERIES - duplicates;
  if (duplicates > events)
    throw new Error("SOAK_DUPLICATE_RATE must be ≤ 0.5 (one duplicate per event at most)");
  // Which events get a duplicate, and which kind: concurrent (both processes at once) or late (after the ack).
  const plan = new Array(events).fill("none");
  const order = Array.from({ length: events }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < duplicates; k++) plan[order[k]] = k % 2 === 0 ? "concurrent" : "late";

  const redis = await privateRedis();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-soak-"));
  const prefix = `soak:${process.pid}:`;
  const ledgers = [path.join(dir, "a.ledger"), path.join(dir, "b.ledger")];
  const receivers = [];
  const started = Date.now();
  const summary = { ok: false };
  try {
    for (const [i, ledger] of ledgers.entries()) {
      receivers.push(
        await startReceiver(i === 0 ? "a" : "b", {
          REDIS_URL: redis.url,
          LEDGER: ledger,
          SECRET,
          PREFIX: prefix,
          LEASE_MS: String(LEASE_MS),
          FAIL_RATE: String(FAIL_RATE),
        }),
      );
    }
    const agents = receivers.map(() => new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 }));
    const stats = {
      httpRequests: 0,
      statuses: {},
      retries: 0,
      maxAttempts: 0,
      gaveUp: [],
      unexpected: [],
      acknowledgedDeliveries: 0,
    };
    const restart = { atDelivery: Math.floor(DELIVERIES / 2) };
    let restartDone;

    const post = (r, body, signature) =>
      new Promise((resolve) => {
        const req = http.request(
          {
            host: "127.0.0.1",
            port: receivers[r].port,
            path: "/webhooks",
            method: "POST",
            agent: agents[r],
            headers: {
              "content-type": "application/json",
              "content-length": Buffer.byteLength(body),
              "x-soak-signature": signature,
            },
            timeout: 10_000,
          },
          (res) => {
            res.resume();
            res.on("end", () =>
              resolve({ status: res.statusCode, retryAfter: Number(res.headers["retry-after"]) }),
            );
            res.on("error", () => resolve({ status: 0 }));
          },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", () => resolve({ status: 0 }));
        req.end(body);
      });

    /** One delivery, retried like a sender until 2xx (or a non-retryable answer). */
    const deliver = async (r, body, signature) => {
      for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
        const { status, retryAfter } = await post(r, body, signature);
        stats.httpRequests += 1;
        stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
        if (status === 503 && restart.killedAt && !restart.first503At) restart.first503At = Date.now();
        if (status >= 200 && status < 300) {
          if (restart.restartedAt && !restart.first2xxAfterRestartAt)
            restart.first2xxAfterRestartAt = Date.now();
          stats.maxAttempts = Math.max(stats.maxAttempts, attempt);
          stats.acknowledgedDeliveries += 1;
          if (stats.acknowledgedDeliveries === restart.atDelivery) restartDone = restartRedis();
          return;
        }
        if (!RETRYABLE.has(status)) {
          stats.unexpected.push(`${status} for ${body.slice(0, 60)}`);
          return;
        }
        stats.retries += 1;
        const scheduleMs = SCHEDULE_S[Math.min(attempt - 1, SCHEDULE_S.length - 1)] * 1000;
        const waitMs = Math.max(scheduleMs, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0) * TIME_SCALE;
        await sleep(waitMs * (0.75 + random() * 0.5));
      }
      stats.gaveUp.push(body.slice(0, 60));
    };

    const restartRedis = async () => {
      log(`killing Redis (SIGKILL) after ${restart.atDelivery} acknowledged deliveries`);
      restart.killedAt = Date.now();
      await redis.kill();
      await sleep(REDIS_DOWN_MS);
      await redis.start();
      restart.restartedAt = Date.now();
      log(`Redis back after ${restart.restartedAt - restart.killedAt} ms`);
    };

    let next = 0;
    const progress = setInterval(() => {
      log(
        `${stats.acknowledgedDeliveries}/${DELIVERIES} deliveries acknowledged, ${stats.httpRequests} requests, statuses ${JSON.stringify(stats.statuses)}`,
      );
    }, 5_000);
    const worker = async () => {
      while (next < events) {
        const n = next++;
        const body = JSON.stringify({
          type: "soak.event",
          id: `evt_${n}`,
          n,
          sentAt: "2026-01-01T00:00:00Z",
        });
        const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
        const first = n % 2;
        if (plan[n] === "concurrent") {
          await Promise.all([deliver(first, body, signature), deliver(1 - first, body, signature)]);
        } else {
          await deliver(first, body, signature);
          if (plan[n] === "late") await deliver(random() < 0.5 ? 0 : 1, body, signature);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    clearInterval(progress);
    await restartDone;
    const durationMs = Date.now() - started;
    log(
      `all ${stats.acknowledgedDeliveries} deliveries acknowledged in ${durationMs} ms; stopping the receivers`,
    );

    const receiverStats = await Promise.all(receivers.map((r) => r.stop()));
    receivers.length = 0;
    for (const a of agents) a.destroy();

    // The ledger: successful runs per event id, across both processes.
    const okRuns = new Map();
    let failedRuns = 0;
    const strays = [];
    for (const ledger of ledgers) {
      const lines = existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean) : [];
      for (const line of lines) {
        const [kind, id] = line.split(" ");
        if (kind === "fail") failedRuns += 1;
        else okRuns.set(id, (okRuns.get(id) ?? 0) + 1);
      }
    }
    let lost = 0;
    let processedTwice = 0;
    for (let n = 0; n < events; n++) {
      const runs = okRuns.get(`soak:evt_${n}`) ?? 0;
      if (runs === 0) lost += 1;
      if (runs > 1) processedTwice += 1;
    }
    for (const id of okRuns.keys())
      if (!/^soak:evt_\d+$/.test(id) || Number(id.slice(9)) >= events) strays.push(id);

    log("reading the ledgers and Redis");
    // What Redis remembers after the restart: every event completed (c:<token>), none left in progress.
    const client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await client.connect();
    const keys = { completed: 0, inProgress: 0, other: 0 };
    let cursor = "0";
    do {
      const [nextCursor, batch] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
      cursor = nextCursor;
      if (batch.length > 0) {
        for (const value of await client.mget(...batch)) {
          if (value?.startsWith("c:")) keys.completed += 1;
          else if (value?.startsWith("p:")) keys.inProgress += 1;
          else keys.other += 1;
        }
      }
    } while (cursor !== "0");
    await client.quit();

    const duplicateKinds = { concurrent: 0, late: 0 };
    for (const p of plan) if (p !== "none") duplicateKinds[p] += 1;
    Object.assign(summary, {
      deliveries: DELIVERIES,
      events,
      duplicates,
      duplicateKinds,
      seed: SEED,
      timeScale: TIME_SCALE,
      failRate: FAIL_RATE,
      concurrency: CONCURRENCY,
      httpRequests: stats.httpRequests,
      statuses: stats.statuses,
      retries: stats.retries,
      maxAttempts: stats.maxAttempts,
      acknowledgedDeliveries: stats.acknowledgedDeliveries,
      handlerRuns: { ok: [...okRuns.values()].reduce((a, b) => a + b, 0), failedOnPurpose: failedRuns },
      ledger: { distinctEventsProcessed: okRuns.size, lost, processedTwice, strays: strays.length },
      redis: {
        killedAtDelivery: restart.atDelivery,
        downMs: restart.restartedAt - restart.killedAt,
        first503AfterKillMs: restart.first503At ? restart.first503At - restart.killedAt : null,
        first2xxAfterRestartMs: restart.first2xxAfterRestartAt
          ? restart.first2xxAfterRestartAt - restart.restartedAt
          : null,
        keysAfterRun: keys,
      },
      receivers: receiverStats,
      gaveUp: stats.gaveUp.length,
      unexpected: stats.unexpected.slice(0, 10),
      durationMs,
      deliveriesPerSecond: Math.round((DELIVERIES / durationMs) * 1000),
    });
    summary.ok =
      lost === 0 &&
      processedTwice === 0 &&
      strays.length === 0 &&
      stats.gaveUp.length === 0 &&
      stats.unexpected.length === 0 &&
      stats.acknowledgedDeliveries === DELIVERIES &&
      restart.restartedAt !== undefined;
  } finally {
    for (const r of receivers) r.kill();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (!summary.ok) {
    log("FAILED: events lost, processed twice, abandoned or unexpected answers (see the summary)");
    process.exitCode = 1;
  }
}

main().catch((error) => {
  log(`error: ${error.stack ?? error}`);
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(error.message ?? error) })}\n`);
  process.exitCode = 1;
});
