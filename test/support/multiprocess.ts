import { type ChildProcess, spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

// The multi-process proof shared by the stores: two receiver processes (built dist) on one store, thousands of
// deliveries with duplicates sent to both at once, a sender that retries 409/503 with a small backoff, the
// store's server optionally crashed and restarted midway. None may be lost, and an event may run again only
// where the process that ran it first reported that it could not settle its claim (its `complete` failed, was
// cut by the outage or timed out): without a queue that rerun is inherent (docs/durable.md, "At least once"),
// and the ledger counts such reruns apart. Everything else runs exactly once.

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SECRET = "multiprocess-test-secret";
export const EVENTS = 2_400;
const LATE_DUPLICATE_EVERY = 8; // every 8th event is sent a third time after it was acknowledged
const CONCURRENT_EVENTS = 48;
// Longer than the outage + reconnect + a background complete retry, so a completion that the store missed
// while down still lands before the lease could let a duplicate take the event over (see docs/redis.md).
export const LEASE_MS = 6_000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Fails with the build command when the subprocesses' built packages are missing. */
export function requireBuilt(files: readonly string[]): void {
  const missing = files.filter((file) => !existsSync(path.join(ROOT, file)));
  if (missing.length > 0) {
    throw new Error(
      `The multi-process test runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`,
    );
  }
}

interface Receiver {
  url: string;
  stop(): Promise<void>;
}

function startReceiver(fixture: string, env: Record<string, string>): Promise<Receiver> {
  const child: ChildProcess = spawn(process.execPath, [fixture], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver did not start in 10 s: ${stderr}`)), 10_000);
    child.once("exit", (code) => reject(new Error(`receiver exited (${code}) at start: ${stderr}`)));
    child.stdout?.on("data", (chunk: Buffer) => {
      const match = /READY (\d+)/.exec(chunk.toString());
      if (!match) return;
      clearTimeout(timer);
      resolve({
        url: `http://127.0.0.1:${match[1]}/webhooks`,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    });
  });
}

export interface SendStats {
  requests: number;
  byStatus: Map<number, number>;
  first503At?: number;
  first200AfterRestartAt?: number;
  restartedAt?: number;
  slowest503Ms: number;
  unexpected: string[];
}

/** Sends one signed body until it is acknowledged (2xx), retrying 409, 503 and network errors like a sender. */
async function deliver(url: string, body: string, stats: SendStats): Promise<number> {
  const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
  for (let attempt = 1; attempt <= 400; attempt++) {
    const started = Date.now();
    let status = 0;
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-ledger-signature": signature },
        body,
      });
      status = response.status;
      await response.text();
    } catch {
      status = 0; // connection error: retry like a sender would
    }
    stats.requests += 1;
    stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
    if (status === 503) {
      stats.first503At ??= Date.now();
      stats.slowest503Ms = Math.max(stats.slowest503Ms, Date.now() - started);
    }
    if (status >= 200 && status < 300) {
      if (stats.restartedAt !== undefined) stats.first200AfterRestartAt ??= Date.now();
      return status;
    }
    if (status !== 409 && status !== 503 && status !== 0) {
      stats.unexpected.push(`${status} for ${body.slice(0, 60)}`);
      return status;
    }
    // Small exponential backoff with jitter; real senders wait longer, the semantics are the same.
    await sleep(Math.min(20 * 2 ** Math.min(attempt, 4), 250) + Math.random() * 20);
  }
  stats.unexpected.push(`gave up on ${body.slice(0, 60)}`);
  return 0;
}

export interface RunResult {
  stats: SendStats;
  /** Handler runs per event id, across both processes. */
  runsPerEvent: Map<string, number>;
  /**
   * Per event id: runs after which the running process reported it could not settle the claim (`unsettled`
   * right after that process's own `run` of the id). Only these runs may be followed by a rerun.
   */
  unsettledRuns: Map<string, number>;
  /** Error codes of those reports, counted. */
  unsettledCodes: Map<string, number>;
  killedAt?: number;
}

/** A store server the run may crash (kill) and bring back (start) on the same port. */
export interface CrashableServer {
  kill(): Promise<void>;
  start(): Promise<void>;
}

export interface RunOptions {
  /** The receiver process script (prints `READY <port>`, appends each handled event id to $LEDGER). */
  fixture: string;
  /** Environment for both receivers (store address, prefix or table…); LEDGER, SECRET and LEASE_MS are added. */
  env: Record<string, string>;
  /** Crash the server after this many events were acknowledged, wait 1 s, start it again. */
  restart?: { afterEvents: number; server: CrashableServer };
}

export async function runTwoReceivers(options: RunOptions): Promise<RunResult> {
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-ledger-"));
  const ledgers = [path.join(dir, "a.log"), path.join(dir, "b.log")];
  const receivers = await Promise.all(
    ledgers.map((ledger) =>
      startReceiver(options.fixture, { ...options.env, LEDGER: ledger, SECRET, LEASE_MS: String(LEASE_MS) }),
    ),
  );
  const [a, b] = receivers as [Receiver, Receiver];
  const stats: SendStats = { requests: 0, byStatus: new Map(), slowest503Ms: 0, unexpected: [] };
  const result: RunResult = {
    stats,
    runsPerEvent: new Map(),
    unsettledRuns: new Map(),
    unsettledCodes: new Map(),
  };
  let restart: Promise<void> | undefined;
  try {
    let next = 0;
    let acknowledged = 0;
    const worker = async () => {
      while (next < EVENTS) {
        const n = next++;
        const body = JSON.stringify({
          type: "ledger.entry",
          id: `evt_${n}`,
          n,
          at: new Date(0).toISOString(),
        });
        // The same delivery reaches both processes at once, as after a sender's timeout-and-retry.
        await Promise.all([deliver(a.url, body, stats), deliver(b.url, body, stats)]);
        if (n % LATE_DUPLICATE_EVERY === 0) await deliver(n % 16 === 0 ? a.url : b.url, body, stats);
        acknowledged += 1;
        const crash = options.restart;
        if (crash && acknowledged === crash.afterEvents) {
          restart = (async () => {
            result.killedAt = Date.now();
            await crash.server.kill();
            await sleep(1_000);
            await crash.server.start();
            stats.restartedAt = Date.now();
          })();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENT_EVENTS }, worker));
    await restart;
  } finally {
    await Promise.all(receivers.map((r) => r.stop()));
  }
  for (const ledger of ledgers) readLedger(ledger, result);
  rmSync(dir, { recursive: true, force: true });
  return result;
}

/**
 * One process's ledger, in the order it wrote it: `run <id>` when the handler succeeded, `unsettled <id> <code>`
 * when the receiver then reported the claim's settlement failed. An `unsettled` line counts only right after
 * this process's own run of that id (a report about a claim that never ran a handler explains nothing).
 */
function readLedger(ledger: string, result: RunResult): void {
  const lines = existsSync(ledger) ? readFileSync(ledger, "utf8").split("\n").filter(Boolean) : [];
  const ranHere = new Set<string>();
  for (const line of lines) {
    const [kind, id, code] = line.split(" ");
    if (id === undefined) throw new Error(`unreadable ledger line: ${line}`);
    if (kind === "run") {
      result.runsPerEvent.set(id, (result.runsPerEvent.get(id) ?? 0) + 1);
      ranHere.add(id);
    } else if (kind === "unsettled" && ranHere.delete(id)) {
      result.unsettledRuns.set(id, (result.unsettledRuns.get(id) ?? 0) + 1);
      result.unsettledCodes.set(code ?? "?", (result.unsettledCodes.get(code ?? "?") ?? 0) + 1);
    }
  }
}

/** What the ledger proves about a run: lost events, reruns an unsettled claim explains, and the others. */
export interface LedgerVerdict {
  missing: string[];
  /** Reruns that follow a run whose claim could not be settled (inherent without a queue). */
  explainedReruns: number;
  /** Events run more often than their unsettled runs allow: each one is a bug. */
  unexplained: string[];
  /** Runs whose claim could not be settled (not every one is rerun: a background retry may land it). */
  unsettledRuns: number;
}

export function ledgerVerdict({ runsPerEvent, unsettledRuns }: RunResult): LedgerVerdict {
  const missing = Array.from({ length: EVENTS }, (_, n) => `evt_${n}`).filter((id) => !runsPerEvent.has(id));
  let explainedReruns = 0;
  const unexplained: string[] = [];
  for (const [id, runs] of runsPerEvent) {
    const reruns = runs - 1;
    // Each rerun needs an earlier run that was left unsettled; the last run needs none.
    const allowed = Math.min(reruns, unsettledRuns.get(id) ?? 0);
    explainedReruns += allowed;
    if (reruns > allowed) unexplained.push(`${id} ran ${runs}× (${unsettledRuns.get(id) ?? 0} unsettled)`);
  }
  const unsettled = [...unsettledRuns.values()].reduce((a, b) => a + b, 0);
  return { missing, explainedReruns, unexplained, unsettledRuns: unsettled };
}

function describeRun(result: RunResult, label: string, verdict: LedgerVerdict): void {
  const { stats, runsPerEvent } = result;
  const deliveries = EVENTS * 2 + Math.ceil(EVENTS / LATE_DUPLICATE_EVERY);
  console.info(
    `[${label}] deliveries ${deliveries} (${deliveries - EVENTS} duplicates) for ${EVENTS} events; HTTP requests ${stats.requests}; ` +
      `statuses ${JSON.stringify(Object.fromEntries(stats.byStatus))}; distinct events run ${runsPerEvent.size}; ` +
      `runs per event: ${JSON.stringify(Object.fromEntries(countBy([...runsPerEvent.values()])))}; ` +
      `runs left unsettled ${verdict.unsettledRuns} ${JSON.stringify(Object.fromEntries(result.unsettledCodes))}; ` +
      `reruns they explain ${verdict.explainedReruns}; unexplained ${verdict.unexplained.length}`,
  );
}

/**
 * None lost, ever; an event runs again only as many times as runs of it were left unsettled (the store died,
 * or did not answer within the receiver's budget, between the handler's success and `complete`). On a steady
 * store that is exactly once, but a loaded machine can time a `complete` out too: such a run is reported
 * (`onError`), and is the only one allowed to run again. Returns the verdict for the test's log.
 */
export function assertNoneLostRerunsExplained(result: RunResult, label: string): LedgerVerdict {
  const verdict = ledgerVerdict(result);
  describeRun(result, label, verdict);
  expect(result.stats.unexpected).toEqual([]);
  expect(verdict.missing).toEqual([]);
  expect(verdict.unexplained).toEqual([]);
  expect(result.runsPerEvent.size).toBe(EVENTS);
  return verdict;
}

/** The outage timings of a restart run, as one log line. */
export function restartTimings({ stats, killedAt }: RunResult, server: string): string {
  return (
    `${server} down → first 503 after ${(stats.first503At ?? Number.NaN) - (killedAt ?? Number.NaN)} ms; ` +
    `slowest 503 answer ${stats.slowest503Ms} ms; ${server} back → first 2xx after ${(stats.first200AfterRestartAt ?? Number.NaN) - (stats.restartedAt ?? Number.NaN)} ms`
  );
}

function countBy(values: number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}
