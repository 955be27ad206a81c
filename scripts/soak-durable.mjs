#!/usr/bin/env node
// The durable-dispatch no-loss soak (issue #9): two receiver processes (store + BullMQQueue) and two worker
// processes share one private server — Redis with AOF (fsync always), or PostgreSQL — on the BUILT packages
// (`pnpm build` first). A sender delivers every event, 30 % of deliveries duplicates (half concurrent, half
// late), retrying like a platform. Workers run two handlers per event; 5 % of runs throw, a few hang past
// handlerTimeoutMs, and one event type's payload drifted from the schema. A worker is SIGKILLed and restarted
// every few seconds; the server is SIGKILLed and restarted once. When every delivery was acknowledged and the
// queue settled, the drifted events must be dead letters; workers with the "fixed" schema then replay them.
//
// SOAK_MODE=rolling replaces the kills with rolling deploys: handlers run 0–3 s, and SOAK_ROLLS times both
// workers are replaced one after the other (a new one started, the old one sent SIGTERM, SIGKILLed if it has
// not exited after a 1 s grace): the running handlers longer than the grace are cut.
//
// The ledger (see soak-durable-node.mjs) must show every handler of every event succeeded (0 lost), and a
// handler's success twice only where the earlier run is explained: its worker was SIGKILLed after the side
// effect and never recorded it (`cutBySigkill`), or its progress write failed while the server was down
// (`progressWriteFailed`). Counted as bugs: a rerun after the earlier run's progress was durably recorded
// (`afterRecorded`; `overlapping` when the rerun had already started by then: two workers held the job), any
// other rerun (`unexplained`), and a success core never asked to record (`unrequested`, doubled or not).
// One JSON line on stdout; exit 1 when anything was lost or doubled without an explanation.
//
// Environment: SOAK_BACKEND (redis | postgres), SOAK_MODE (kills | rolling), SOAK_DELIVERIES (50 000),
// SOAK_DUPLICATE_RATE (0.3), SOAK_FAIL_RATE (0.05), SOAK_HANG_RATE (0.002; 0 when rolling), SOAK_DRIFT_EVERY
// (200: one drifted event in N), SOAK_CONCURRENCY (64), SOAK_TIME_SCALE (0.05), SOAK_WORKER_KILL_MS (3 000),
// SOAK_ROLLS (20), SOAK_ROLL_EVERY_MS (3 000), SOAK_GRACE_MS (1 000), SOAK_HANDLER_MAX_MS (3 000 when rolling),
// SOAK_WORKER_CONCURRENCY (16; 128 when rolling), SOAK_MAX_STALLED (20; the queue's default when rolling), SOAK_LOCK_MS (3 000; 15 000 when rolling), SOAK_OUTAGE (1; 0: the server is never killed), SOAK_DOWN_MS
// (1 000), SOAK_SEED (1).
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { privatePostgres } from "./pg-lib.mjs";
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
const NODE = path.join(ROOT, "scripts/soak-durable-node.mjs");
const BACKEND = process.env.SOAK_BACKEND ?? "redis";
const BUILT = [
  "core/dist/index.js",
  "bullmq/dist/index.js",
  BACKEND === "postgres" ? "postgres/dist/index.js" : "redis/dist/index.js",
];
const MODE = process.env.SOAK_MODE ?? "kills";
if (MODE !== "kills" && MODE !== "rolling") throw new Error("SOAK_MODE must be kills or rolling");
const ROLLING = MODE === "rolling";
const DELIVERIES = int("SOAK_DELIVERIES", 50_000);
const DUPLICATE_RATE = num("SOAK_DUPLICATE_RATE", 0.3);
const FAIL_RATE = num("SOAK_FAIL_RATE", 0.05);
const HANG_RATE = num("SOAK_HANG_RATE", ROLLING ? 0 : 0.002);
const ROLLS = int("SOAK_ROLLS", 20);
const ROLL_EVERY_MS = int("SOAK_ROLL_EVERY_MS", 3_000);
const GRACE_MS = int("SOAK_GRACE_MS", 1_000);
const HANDLER_MAX_MS = ROLLING ? int("SOAK_HANDLER_MAX_MS", 3_000) : 0;
const WORKER_CONCURRENCY = int("SOAK_WORKER_CONCURRENCY", ROLLING ? 128 : 16);
const DRIFT_EVERY = int("SOAK_DRIFT_EVERY", 200);
const CONCURRENCY = int("SOAK_CONCURRENCY", 64);
const TIME_SCALE = num("SOAK_TIME_SCALE", 0.05);
const WORKER_KILL_MS = int("SOAK_WORKER_KILL_MS", 3_000);
const DOWN_MS = int("SOAK_DOWN_MS", 1_000);
const OUTAGE = process.env.SOAK_OUTAGE !== "0";
/**
 * BullMQ's lock on a running job; production's default is 30 s. Kills: 3 s, so a SIGKILLed worker's jobs come
 * back fast. Rolling: 15 s, since with handlers of up to 3 s a 3 s lock lapses on a loaded machine and BullMQ
 * then runs the job twice at once (measured: hundreds of overlapping runs with 3 s, none with 15 s).
 */
const LOCK_MS = int("SOAK_LOCK_MS", ROLLING ? 15_000 : 3_000);
/** Stalls BullMQ forgives a job; kills mode 20 (fast takeovers), rolling the queue's default unless set. */
const MAX_STALLED =
  process.env.SOAK_MAX_STALLED !== undefined ? int("SOAK_MAX_STALLED", 20) : ROLLING ? undefined : 20;
const SEED = int("SOAK_SEED", 1);
const SETTLE_TIMEOUT_MS = int("SOAK_SETTLE_TIMEOUT_MS", 180_000);
const SECRET = "soak-durable-secret-5a4b3c";
const HANDLERS = ["a", "b"];

async function main() {
  const missing = BUILT.filter((f) => !existsSync(path.join(ROOT, "packages", f)));
  if (missing.length > 0)
    throw new Error(
      `the soak runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`,
    );
  const random = prng(SEED);
  const duplicates = Math.round(DELIVERIES * DUPLICATE_RATE);
  const events = DELIVERIES - duplicates;
  const plan = duplicatePlan(events, duplicates, random);
  const drifted = (n) => n % DRIFT_EVERY === DRIFT_EVERY - 1;

  const server = BACKEND === "postgres" ? await privatePostgres() : await privateRedis();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-soak-durable-"));
  const common = {
    BACKEND,
    URL: server.url,
    QUEUE: `soak${process.pid}`,
    SECRET,
    PREFIX: `soak:${process.pid}:`,
  };
  const workerEnv = (fixed) => ({
    ...common,
    ROLE: "worker",
    FAIL_RATE: String(FAIL_RATE),
    HANG_RATE: String(HANG_RATE),
    FIXED: fixed ? "1" : "0",
    CONCURRENCY: String(WORKER_CONCURRENCY),
    ...(MAX_STALLED !== undefined && { MAX_STALLED: String(MAX_STALLED) }),
    LOCK_MS: String(LOCK_MS),
    HANDLER_MAX_MS: String(HANDLER_MAX_MS),
    // Longer than the longest handler: a rolling deploy, not the time limit, is what cuts them.
    HANDLER_TIMEOUT_MS: String(ROLLING ? HANDLER_MAX_MS + 2_000 : 1_000),
  });
  const ledgers = [];
  const killed = new Map(); // pid → ms it was SIGKILLed
  const outage = {};
  let workerSeq = 0;
  const startWorker = async (fixed = false) => {
    const ledger = path.join(dir, `worker-${workerSeq}.ledger`);
    ledgers.push(ledger);
    return startProcess(NODE, `worker-${workerSeq++}`, { ...workerEnv(fixed), LEDGER: ledger });
  };
  const receivers = [];
  const workers = [];
  const workerStats = [];
  const started = Date.now();
  const summary = { ok: false, backend: BACKEND, mode: MODE };
  let killing;
  try {
    for (const name of ["r0", "r1"])
      receivers.push(await startProcess(NODE, name, { ...common, ROLE: "receiver" }));
    workers.push(await startWorker(), await startWorker());

    // kills: a worker SIGKILLed and replaced every WORKER_KILL_MS while deliveries flow. rolling: every
    // ROLL_EVERY_MS a deploy replaces both workers in turn (new one up, old one SIGTERM, SIGKILL after the grace).
    let stopKilling = false;
    let kills = 0;
    const rolling = { deploys: 0, replaced: 0, exitedInGrace: 0, sigkilled: 0 };
    // The time of death is when the exit is seen, not when the signal is sent: a worker may still write a
    // handler's `ok` line between the two, and that run was cut by this kill all the same.
    const killWorker = async (i) => {
      const { pid } = workers[i];
      await workers[i].kill();
      killed.set(pid, Date.now());
    };
    const replaceGracefully = async (i) => {
      const old = workers[i];
      workers[i] = await startWorker();
      const stopped = old.stop();
      const exited = await Promise.race([stopped.then(() => true), sleep(GRACE_MS).then(() => false)]);
      if (exited) rolling.exitedInGrace += 1;
      else {
        rolling.sigkilled += 1;
        await old.kill();
        killed.set(old.pid, Date.now());
        await stopped;
      }
      rolling.replaced += 1;
    };
    killing = (async () => {
      while (!stopKilling || (ROLLING && rolling.deploys < ROLLS)) {
        await sleep(ROLLING ? ROLL_EVERY_MS : WORKER_KILL_MS);
        if (ROLLING) {
          if (rolling.deploys >= ROLLS) break;
          for (let i = 0; i < workers.length; i++) await replaceGracefully(i);
          rolling.deploys += 1;
          continue;
        }
        if (stopKilling) break;
        const i = kills++ % workers.length;
        await killWorker(i);
        workers[i] = await startWorker();
      }
    })();

    let acknowledged = 0;
    let restartDone;
    const restartServer = async () => {
      log(`killing ${BACKEND} (SIGKILL) after ${acknowledged} acknowledged deliveries`);
      outage.killedAt = Date.now();
      await server.kill();
      await sleep(DOWN_MS);
      await server.start();
      outage.restartedAt = Date.now();
      log(`${BACKEND} back after ${outage.restartedAt - outage.killedAt} ms`);
    };
    const sender = createSender({
      ports: receivers.map((r) => r.port),
      header: "x-soak-signature",
      concurrency: CONCURRENCY,
      timeScale: TIME_SCALE,
      random,
      onAck: (status) => {
        if (status === 503 && outage.killedAt && !outage.first503At) outage.first503At = Date.now();
        if (status < 200 || status >= 300) return;
        if (outage.restartedAt && !outage.first2xxAfterRestartAt) outage.first2xxAfterRestartAt = Date.now();
        acknowledged += 1;
        if (OUTAGE && acknowledged === Math.floor(DELIVERIES / 2)) restartDone = restartServer();
      },
    });
    const progress = setInterval(() => {
      log(
        `${sender.stats.acknowledged}/${DELIVERIES} acknowledged, statuses ${JSON.stringify(sender.stats.statuses)}, ` +
          (ROLLING ? `${rolling.deploys} deploys (${rolling.sigkilled} SIGKILLs)` : `${kills} worker kills`),
      );
    }, 5_000);
    let next = 0;
    const lane = async () => {
      while (next < events) {
        const n = next++;
        const type = drifted(n) ? "soak.drifted" : "soak.event";
        const body = JSON.stringify({ type, id: `evt_${n}`, n, ...(drifted(n) && { amount: "12.50" }) });
        const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
        const first = n % 2;
        if (plan[n] === "concurrent") {
          await Promise.all([
            sender.deliver(first, body, signature),
            sender.deliver(1 - first, body, signature),
          ]);
        } else {
          await sender.deliver(first, body, signature);
          if (plan[n] === "late") await sender.deliver(random() < 0.5 ? 0 : 1, body, signature);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    clearInterval(progress);
    await restartDone;
    const sentMs = Date.now() - started;
    log(`all ${sender.stats.acknowledged} deliveries acknowledged in ${sentMs} ms; letting workers settle`);
    sender.close();
    // Keep killing a little longer: jobs still running are exactly what a kill should test.
    await sleep(WORKER_KILL_MS * 2);
    stopKilling = true;
    await killing;

    const regular = Array.from({ length: events }, (_, n) => n).filter((n) => !drifted(n));
    const done = () => {
      const runs = readLedgers(ledgers);
      return regular.every((n) =>
        HANDLERS.every((h) => (runs.successes.get(`${h} soak:evt_${n}`)?.length ?? 0) > 0),
      );
    };
    const settled = await waitFor(done, SETTLE_TIMEOUT_MS);
    log(
      settled
        ? "every regular event handled; replaying the dead letters with the fixed schema"
        : "timed out waiting for workers",
    );

    // The fix ships: workers with the schema that accepts the drifted payload replay every dead letter.
    const { BullMQQueue } = await import("@webhook-kit/bullmq");
    const admin = new BullMQQueue(
      BACKEND === "postgres"
        ? { postgres: server.url, name: common.QUEUE }
        : { connection: server.url, name: common.QUEUE },
    );
    const letters = await admin.listDeadLetters({ limit: 100_000 });
    // Every dead letter must have been told: onError dead_letter, as the workers' ledgers counted it.
    const told = readLedgers(ledgers).deadLettersTold;
    const deadLetters = {
      total: letters.length,
      drifted: 0,
      other: [],
      told,
      unreported: Math.max(0, letters.length - told),
    };
    for (const letter of letters) {
      if (letter.type === "soak.drifted" && letter.issues?.some((i) => i.path === "amount"))
        deadLetters.drifted += 1;
      else deadLetters.other.push(`${letter.key}: ${letter.error.slice(0, 120)}`);
    }
    for (const w of workers.splice(0)) workerStats.push(await w.stop());
    workers.push(await startWorker(true), await startWorker(true));
    for (const letter of letters) await admin.replayDeadLetter(letter.key);
    const all = Array.from({ length: events }, (_, n) => n);
    const replayed = await waitFor(() => {
      const runs = readLedgers(ledgers);
      return all.every((n) =>
        HANDLERS.every((h) => (runs.successes.get(`${h} soak:evt_${n}`)?.length ?? 0) > 0),
      );
    }, 60_000);
    const lettersAfter = (await admin.listDeadLetters({ limit: 100 })).length;
    await admin.close();
    for (const w of workers.splice(0)) workerStats.push(await w.stop());
    const receiverStats = [];
    for (const r of receivers.splice(0)) receiverStats.push(await r.stop());

    // The ledger: successes per (handler, event); every earlier success of a double explained or not.
    const runs = readLedgers(ledgers);
    let lost = 0;
    const doubles = {
      cutBySigkill: 0,
      progressWriteFailed: 0,
      afterRecorded: 0,
      overlapping: 0,
      unexplained: 0,
      /** afterRecorded + overlapping + unexplained whose rerun started between the outage and 15 s after it. */
      bugsNearOutage: 0,
      examples: [],
    };
    for (let n = 0; n < events; n++) {
      for (const h of HANDLERS) {
        const list = runs.successes.get(`${h} soak:evt_${n}`) ?? [];
        if (list.length === 0) lost += 1;
        list.slice(0, -1).forEach((earlier, i) => {
          const later = list[i + 1];
          const kind = classifyRerun(earlier, later, killed);
          doubles[kind] += 1;
          if (kind === "cutBySigkill" || kind === "progressWriteFailed") return;
          // Where a bug double sits in time: the server's outage (locks can expire while it is down) or not.
          const sinceOutage = outage.killedAt ? (later.startedAt ?? later.at) - outage.killedAt : null;
          const nearOutage =
            sinceOutage !== null && sinceOutage >= 0 && later.at <= outage.restartedAt + 15_000;
          if (nearOutage) doubles.bugsNearOutage += 1;
          if (doubles.examples.length < 8)
            doubles.examples.push(
              `${kind}: ${h} evt_${n} first pid ${earlier.pid}${killed.has(earlier.pid) ? " (SIGKILLed later)" : ""}, ` +
                `again by pid ${later.pid} ${sinceOutage === null ? "" : `${sinceOutage} ms after the server went down`}`,
            );
        });
      }
    }
    const failedRuns = runs.failed;
    Object.assign(summary, {
      deliveries: DELIVERIES,
      events,
      driftedEvents: events - regular.length,
      duplicates,
      seed: SEED,
      http: {
        requests: sender.stats.httpRequests,
        statuses: sender.stats.statuses,
        retries: sender.stats.retries,
        maxAttempts: sender.stats.maxAttempts,
      },
      acknowledged: sender.stats.acknowledged,
      workerKills: ROLLING ? rolling.sigkilled : kills,
      ...(ROLLING && { rolling }),
      handlerRuns: {
        ok: [...runs.successes.values()].reduce((a, l) => a + l.length, 0),
        failedOnPurpose: failedRuns,
        unrequested: runs.unrequested,
        progressWritesFailed: runs.recordFailed,
      },
      deadLetters: {
        ...deadLetters,
        other: deadLetters.other.length,
        otherExamples: deadLetters.other.slice(0, 5),
        afterReplay: lettersAfter,
      },
      ledger: { lost, doubles },
      outage: {
        downMs: outage.restartedAt - outage.killedAt,
        first503AfterKillMs: outage.first503At ? outage.first503At - outage.killedAt : null,
        first2xxAfterRestartMs: outage.first2xxAfterRestartAt
          ? outage.first2xxAfterRestartAt - outage.restartedAt
          : null,
      },
      settledBeforeReplay: settled,
      replayCompleted: replayed,
      gaveUp: sender.stats.gaveUp.length,
      unexpected: sender.stats.unexpected.slice(0, 5),
      processes: { receivers: receiverStats, workers: workerStats.length },
      durationMs: Date.now() - started,
      sendMs: sentMs,
    });
    summary.ok =
      lost === 0 &&
      doubles.unexplained === 0 &&
      doubles.afterRecorded === 0 &&
      doubles.overlapping === 0 &&
      runs.unrequested === 0 &&
      (!ROLLING || rolling.deploys === ROLLS) &&
      sender.stats.acknowledged === DELIVERIES &&
      sender.stats.gaveUp.length === 0 &&
      sender.stats.unexpected.length === 0 &&
      deadLetters.drifted === events - regular.length &&
      deadLetters.unreported === 0 &&
      lettersAfter === 0 &&
      (!OUTAGE || outage.restartedAt !== undefined);
  } finally {
    for (const p of [...receivers, ...workers]) await p.kill();
    await server.stop();
    if (!process.env.SOAK_KEEP) rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify(summary)}\n`);
  if (!summary.ok) {
    log(
      "FAILED: events lost, doubled without a SIGKILL to explain it, or dead letters not as expected (see the summary)",
    );
    process.exitCode = 1;
  }
}

/**
 * Every worker's ledger: `successes` maps `<handler> <event id>` to its successful runs (oldest first), each
 * with its worker's pid, time, run id, when that run started, and what the worker did with it afterwards
 * (`recordedAt`: its progress record became durable; `recordFailed`: the write failed). Also counts failed
 * runs on purpose, failed progress writes, and successes core never asked to record (`unrequested`).
 */
function readLedgers(ledgers) {
  const successes = new Map();
  const starts = new Map(); // run id → ms
  let failed = 0;
  let recordFailed = 0;
  let unrequested = 0;
  let deadLettersTold = 0;
  for (const ledger of ledgers) {
    if (!existsSync(ledger)) continue;
    // Successes of this process not yet covered by a record, per event id (lines are in write order).
    const open = new Map();
    for (const line of readFileSync(ledger, "utf8").split("\n")) {
      const [kind, handler, id, pid, at, extra] = line.split(" ");
      if (kind === "start") starts.set(extra, Number(at));
      else if (kind === "fail") failed += 1;
      else if (kind === "unrequested") unrequested += 1;
      else if (kind === "deadletter") deadLettersTold += 1;
      else if (kind === "ok") {
        const run = { pid: Number(pid), at: Number(at), run: extra, handler };
        const key = `${handler} ${id}`;
        successes.set(key, [...(successes.get(key) ?? []), run]);
        open.set(id, [...(open.get(id) ?? []), run]);
      } else if (kind === "recorded" || kind === "recordfailed") {
        if (kind === "recordfailed") recordFailed += 1;
        // A failed write leaves the run open: a later record of the same handlers may still land.
        const names = new Set((extra ?? "").split(","));
        const left = [];
        for (const run of open.get(id) ?? []) {
          if (!names.has(run.handler)) left.push(run);
          else if (kind === "recorded") run.recordedAt = Number(at);
          else {
            run.recordFailed = true;
            left.push(run);
          }
        }
        open.set(id, left);
      }
    }
  }
  for (const list of successes.values()) {
    for (const run of list) run.startedAt = starts.get(run.run);
    list.sort((x, y) => x.at - y.at);
  }
  return { successes, failed, recordFailed, unrequested, deadLettersTold };
}

/**
 * Why a handler succeeded again after `earlier`: its progress was durably recorded before the `later` run
 * started (a bug: afterRecorded) or after it started (two workers ran the job at once: overlapping); the
 * write failed (the server was down: progressWriteFailed); its worker was SIGKILLed after the side effect
 * and never recorded it (cutBySigkill); else unexplained (a record that was never made nor failed).
 */
function classifyRerun(earlier, later, killed) {
  if (earlier.recordedAt !== undefined)
    return (later.startedAt ?? later.at) < earlier.recordedAt ? "overlapping" : "afterRecorded";
  if (earlier.recordFailed) return "progressWriteFailed";
  const killedAt = killed.get(earlier.pid);
  if (killedAt !== undefined && killedAt >= earlier.at) return "cutBySigkill";
  return "unexplained";
}

async function waitFor(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await sleep(500);
  }
  return check();
}

main().catch((error) => {
  log(`error: ${error.stack ?? error}`);
  process.stdout.write(`${JSON.stringify({ ok: false, error: String(error.message ?? error) })}\n`);
  process.exitCode = 1;
});
