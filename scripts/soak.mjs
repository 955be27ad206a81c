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
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import {
  createSender,
  duplicatePlan,
  int,
  log,
  num,
  privateRedis,
  prng,
  sleep,
  startProcess,
} from "./soak-lib.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const RECEIVER = path.join(ROOT, "scripts/soak-receiver.mjs");
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/redis/dist/index.js"];

const DELIVERIES = int("SOAK_DELIVERIES", 50_000);
const DUPLICATE_RATE = num("SOAK_DUPLICATE_RATE", 0.3);
const FAIL_RATE = num("SOAK_FAIL_RATE", 0.05);
const CONCURRENCY = int("SOAK_CONCURRENCY", 64);
const TIME_SCALE = num("SOAK_TIME_SCALE", 0.05);
const REDIS_DOWN_MS = int("SOAK_REDIS_DOWN_MS", 1_000);
const SEED = int("SOAK_SEED", 1);
// Longer than the outage + reconnect + a background complete retry: a completion Redis missed while down
// still lands before the lease could let a duplicate take the event over (docs/redis.md).
const LEASE_MS = 6_000;
const SECRET = "soak-secret-0f1e2d3c";

async function main() {
  const missing = BUILT.filter((f) => !existsSync(path.join(ROOT, f)));
  if (missing.length > 0)
    throw new Error(`soak runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`);

  const random = prng(SEED);
  const duplicates = Math.round(DELIVERIES * DUPLICATE_RATE);
  const events = DELIVERIES - duplicates;
  const plan = duplicatePlan(events, duplicates, random);

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
        await startProcess(RECEIVER, i === 0 ? "a" : "b", {
          REDIS_URL: redis.url,
          LEDGER: ledger,
          SECRET,
          PREFIX: prefix,
          LEASE_MS: String(LEASE_MS),
          FAIL_RATE: String(FAIL_RATE),
        }),
      );
    }
    const restart = { atDelivery: Math.floor(DELIVERIES / 2) };
    let restartDone;
    let acknowledged = 0;
    const sender = createSender({
      ports: receivers.map((r) => r.port),
      header: "x-soak-signature",
      concurrency: CONCURRENCY,
      timeScale: TIME_SCALE,
      random,
      onAck: (status) => {
        if (status === 503 && restart.killedAt && !restart.first503At) restart.first503At = Date.now();
        if (status < 200 || status >= 300) return;
        if (restart.restartedAt && !restart.first2xxAfterRestartAt)
          restart.first2xxAfterRestartAt = Date.now();
        acknowledged += 1;
        if (acknowledged === restart.atDelivery) restartDone = restartRedis();
      },
    });
    const { deliver, stats } = sender;

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
        `${stats.acknowledged}/${DELIVERIES} deliveries acknowledged, ${stats.httpRequests} requests, statuses ${JSON.stringify(stats.statuses)}`,
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
    log(`all ${stats.acknowledged} deliveries acknowledged in ${durationMs} ms; stopping the receivers`);

    const receiverStats = await Promise.all(receivers.map((r) => r.stop()));
    receivers.length = 0;
    sender.close();

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
      acknowledgedDeliveries: stats.acknowledged,
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
      stats.acknowledged === DELIVERIES &&
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
