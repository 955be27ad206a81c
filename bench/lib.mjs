// Shared benchmark plumbing: servers run in a child process (so client and server do not share an event
// loop), wrk or autocannon drives them (wrk.mjs), every row in the same run, reported as ratios.
import { fork, spawn } from "node:child_process";
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { once } from "node:events";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { basename, dirname } from "node:path";
import { createHistogram, monitorEventLoopDelay } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import autocannon from "autocannon";
import { DRIVER_NAME, measureWithWrk, PIN } from "./wrk.mjs";

// wrk costs the machine little, so its rows can afford longer rounds for steadier numbers.
export const DURATION_S = Number(process.env.BENCH_DURATION ?? (DRIVER_NAME === "wrk" ? 10 : 5));
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/**
 * A node child with an IPC channel, pinned to CPU 1 when the driver runs pinned to CPU 0 (wrk.mjs `PIN`):
 * the server and the load generator then never share a core.
 */
export function pinnedFork(script, args, options) {
  if (!PIN) return fork(script, args, options);
  const execArgv = options.execArgv ?? process.execArgv;
  return spawn("taskset", ["-c", "1", process.execPath, ...execArgv, script, ...args], options);
}

/** Forks `script` with `args`; the child sends `{ port }` once it listens. */
export async function startChild(script, args = [], env = {}) {
  const child = pinnedFork(script, args, {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  const [message] = await once(child, "message");
  return {
    port: message.port,
    stop: async () => {
      child.kill();
      await once(child, "exit");
    },
  };
}

/**
 * Drives `url` with a rotating set of pre-built requests ({ headers, body }) for DURATION_S. `freshId` names
 * a header given a new UUID on every request (GitHub's X-GitHub-Delivery), so no delivery ever repeats however
 * long the run: a deduplicating row always takes its new-event path and its store keeps growing to its bound.
 */
export async function measure(url, deliveries, { duration = DURATION_S, freshId, rate } = {}) {
  if (DRIVER_NAME === "wrk") {
    const seconds = Math.max(1, Math.round(duration));
    return measureWithWrk(url, deliveries, { duration: seconds, connections: CONNECTIONS, freshId, rate });
  }
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    ...(rate && { overallRate: rate }),
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const d = deliveries[next++ % deliveries.length];
          const headers = freshId ? { ...d.headers, [freshId]: randomUUID() } : d.headers;
          return { ...req, headers, body: d.body };
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p90: result.latency.p90,
    p99: result.latency.p99,
    total: result.requests.total,
    bad,
    seconds: duration,
  };
}

/** Latencies: wrk measures µs, autocannon whole ms. */
const ms = (value) =>
  typeof value !== "number" ? "" : Number.isInteger(value) ? String(value) : value.toFixed(1);
const fixed = (value, digits = 0) => (typeof value === "number" ? value.toFixed(digits) : "");

/**
 * Prints rows as a markdown table with each row's ratio to its named baseline (req/s, and p99 as the
 * baseline's multiple), then records them in this run's result file (`recordResults`).
 */
export function printTable(title, rows) {
  console.log(`\n### ${title}\n`);
  console.log(
    "| row | req/s | p50 ms | p90 ms | p99 ms | worst-round p99 ms | CPU µs/delivery | non-2xx | ratio | p99 ÷ baseline | target |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
  for (const row of rows) {
    const base = rows.find((r) => r.name === row.baseline);
    const ratio = base ? (row.rps / base.rps).toFixed(2) : "1.00 (baseline)";
    const p99Ratio = base && base.p99 > 0 ? (row.p99 / base.p99).toFixed(2) : "";
    // `target`: req/s ≥ target × the baseline's; `p99Target`: p99 ≤ p99Target × the baseline's.
    const verdicts = [];
    if (base && row.target) {
      verdicts.push(`≥ ${row.target} ${row.rps / base.rps >= row.target ? "met" : "MISSED"}`);
    }
    if (base && row.p99Target) {
      verdicts.push(`p99 ≤ ${row.p99Target}× ${row.p99 <= row.p99Target * base.p99 ? "met" : "MISSED"}`);
    }
    const verdict = verdicts.join("; ");
    console.log(
      `| ${row.name} | ${Math.round(row.rps)} | ${ms(row.p50)} | ${ms(row.p90)} | ${ms(row.p99)} | ${ms(row.p99Worst)} | ${fixed(row.cpuUs, 1)} | ${row.bad} | ${ratio} | ${p99Ratio} | ${verdict} |`,
    );
  }
  recordResults(title, rows);
}

/** The fields every recorded row has (`recordResults`); a row's other numeric fields are kept beside them. */
const RECORDED = new Set([
  "name",
  "baseline",
  "rps",
  "ratio",
  "p50",
  "p90",
  "p99",
  "p99Worst",
  "p99Ratio",
  "cpuUs",
  "bad",
  "target",
]);

/** A row's extra numeric fields (e.g. `storeCpuUs`, `roundTrips`, `seconds`), rounded to 3 decimals. */
function extraFields(row) {
  const extra = {};
  for (const [key, value] of Object.entries(row)) {
    if (RECORDED.has(key)) continue;
    if (typeof value === "number" && Number.isFinite(value)) extra[key] = Number(value.toFixed(3));
  }
  return extra;
}

const num = (value) => (typeof value === "number" && Number.isFinite(value) ? value : null);

/**
 * Appends one table to this run's machine-readable result file: `BENCH_RESULTS` when set (`pnpm bench`
 * sets one file for the whole run), else `bench/results/<iso date>-<script>.json`. Compare runs with
 * `node bench/compare.mjs <file>…`. p50/p90/p99/p99Worst are in ms, cpuUs in µs per delivery (or per the
 * row's unit of work); a field a row does not measure is null. Other numeric fields of a row are kept too.
 */
export function recordResults(title, rows) {
  const script = basename(process.argv[1] ?? "bench", ".mjs");
  const file =
    process.env.BENCH_RESULTS ??
    fileURLToPath(new URL(`./results/${RUN_STARTED.replaceAll(":", "-")}-${script}.json`, import.meta.url));
  mkdirSync(dirname(file), { recursive: true });
  const run = existsSync(file)
    ? JSON.parse(readFileSync(file, "utf8"))
    : { startedAt: RUN_STARTED, machine: machineNote(), tables: [] };
  run.tables.push({
    script,
    title,
    endedAt: new Date().toISOString(),
    loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    rows: rows.map((row) => {
      const base = rows.find((r) => r.name === row.baseline);
      const ratio = base ? num(row.rps / base.rps) : null;
      const p99Ratio = base && base.p99 > 0 ? num(row.p99 / base.p99) : null;
      return {
        name: row.name,
        baseline: row.baseline ?? null,
        rps: num(row.rps) === null ? null : Math.round(row.rps),
        ratio: ratio === null ? null : Number(ratio.toFixed(3)),
        p50: num(row.p50),
        p90: num(row.p90),
        p99: num(row.p99),
        p99Worst: num(row.p99Worst),
        p99Ratio: p99Ratio === null ? null : Number(p99Ratio.toFixed(3)),
        // In-process rows cost a few µs: keep their third decimal.
        cpuUs: num(row.cpuUs) === null ? null : Number(row.cpuUs.toFixed(row.cpuUs < 10 ? 3 : 1)),
        bad: row.bad ?? 0,
        target: row.target ?? null,
        p99Target: row.p99Target ?? null,
        ...extraFields(row),
      };
    }),
  });
  writeFileSync(file, `${JSON.stringify(run, null, 2)}\n`);
}

const RUN_STARTED = new Date().toISOString();

/** Enough to tell two machines (or a shared one) apart when comparing result files. */
function machineNote() {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? "",
    totalMemGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: loadavg().map((l) => Number(l.toFixed(2))),
    connections: CONNECTIONS,
    durationS: DURATION_S,
    rounds: Number(process.env.BENCH_ROUNDS ?? 5),
    driver: DRIVER_NAME,
    pinned: PIN ? "client on CPU 0, servers on CPU 1" : "no",
    note: process.env.BENCH_NOTE ?? "",
    warmupS: warmupSeconds(),
    nodeFlags: process.env.BENCH_NODE_FLAGS ?? "",
    serverTimes: process.env.BENCH_SERVER_TIMES === "1",
  };
}

/**
 * `count` distinct EUlabel passport events, signed as EUlabel sends them: distinct so that dedupe never
 * short-circuits a kit row.
 */
export async function eulabelDeliveries(secret, count = Number(process.env.BENCH_BODIES ?? 200_000)) {
  const eulabel = providers.eulabel({ secret });
  const deliveries = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      event: "passport.enriched",
      id: "ps_w9x2kf",
      gtin: "05601234567890",
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      compliance: {
        status: "incomplete",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: i % 100,
        missingFields: [
          { field: "data.origin", message: "Country of origin is required for wine e-labels." },
        ],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      passportUrl: "https://eulabel.eu/01/05601234567890",
    });
    const { headers } = await sign(eulabel, body);
    deliveries.push({ body, headers: { "content-type": "application/json", ...headers } });
  }
  return deliveries;
}

/**
 * Runs `script serve <kind>` for each kind at once and measures them in alternating rounds, so load from
 * elsewhere on the machine hits every row alike. Each child answers "reset" and "cpu" (see `serveWithCpu`).
 * A row's req/s is its total over all rounds; p50/p90/p99 are the median round's, p99Worst the worst round's.
 * `freshId`: see `measure`. `rate`: a fixed offered load (req/s) instead of as fast as the server answers, for
 * latency at the same load. `deliveries` is one pool for every kind, or one pool per kind (same length as
 * `kinds`) when each kind needs its own signatures.
 */
export async function measureGroup(script, kinds, deliveries, env = {}, { freshId, rate } = {}) {
  const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
  const roundSeconds = Math.max(1, DURATION_S / ROUNDS);
  const children = [];
  try {
    for (const kind of kinds) {
      const child = pinnedFork(script, ["serve", kind], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
        env: { ...process.env, ...env },
        // BENCH_NODE_FLAGS: V8/Node flags for every server (e.g. "--trace-gc"), as profile-server.mjs takes them.
        execArgv: [...process.execArgv, ...(process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean)],
      });
      const [{ port }] = await once(child, "message");
      const ask = async (question) => {
        child.send(question);
        return (await once(child, "message"))[0];
      };
      children.push({ child, url: `http://127.0.0.1:${port}/hook`, ask });
    }
    const pool = (i) => (kinds.length > 0 && Array.isArray(deliveries[0]) ? deliveries[i] : deliveries);
    for (const [i, { url }] of children.entries()) await measure(url, pool(i), { ...warmup(rate), freshId });
    // CPU is counted within rounds only: an idle server's collector work between its rounds (V8 shrinks an
    // idle heap) would otherwise be charged to its deliveries, the more so the more memory it holds.
    const used = kinds.map(() => ({ us: 0, requests: 0, rounds: [], inside: [] }));
    const runs = kinds.map(() => []);
    const order = kinds.map((_, i) => i);
    for (let round = 0; round < ROUNDS; round++) {
      for (const i of round % 2 ? [...order].reverse() : order) {
        await children[i].ask("reset");
        runs[i].push(await measure(children[i].url, pool(i), { duration: roundSeconds, freshId, rate }));
        const { us, requests, serverMs, loopDelayMs } = await children[i].ask("cpu");
        used[i].us += us;
        used[i].requests += requests;
        used[i].rounds.push(us / Math.max(1, requests));
        if (serverMs) used[i].inside.push({ serverMs, loopDelayMs });
      }
    }
    const cpu = used.map(({ us, requests }) => us / Math.max(1, requests));
    const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
    return runs.map((list, i) => ({
      rps: list.reduce((sum, r) => sum + r.total, 0) / list.reduce((sum, r) => sum + r.seconds, 0),
      p50: median(list.map((r) => r.p50)),
      p90: median(list.map((r) => r.p90)),
      p99: median(list.map((r) => r.p99)),
      // The median round hides a tail that comes and goes; the worst round shows it.
      p99Worst: Math.max(...list.map((r) => r.p99)),
      bad: list.reduce((sum, r) => sum + r.bad, 0),
      cpuUs: cpu[i],
      // CPU µs per delivery of each round, in order: rounds of different kinds run back to back, so their
      // ratios round by round cancel most of the machine's drift (bench/ab.mjs).
      cpuRounds: used[i].rounds,
      // BENCH_SERVER_TIMES=1: per round, time inside the server and the event loop's delay (serveWithCpu);
      // the medians over rounds and the worst delay are numbers, so the result file keeps them.
      ...(used[i].inside.length > 0 && {
        insideRounds: used[i].inside,
        serverP99Ms: median(used[i].inside.map((r) => r.serverMs.p99)),
        loopDelayP99Ms: median(used[i].inside.map((r) => r.loopDelayMs.p99)),
        loopDelayMaxMs: Math.max(...used[i].inside.map((r) => r.loopDelayMs.max)),
      }),
    }));
  } finally {
    for (const { child } of children) {
      child.kill();
      await once(child, "exit");
    }
  }
}

/** BENCH_WARMUP: seconds of warm-up per server (default 1); anything but a number ≥ 1 is refused. */
function warmupSeconds() {
  const value = Number(process.env.BENCH_WARMUP ?? 1);
  if (!Number.isFinite(value) || value < 1) {
    throw new Error(`BENCH_WARMUP must be a number of seconds ≥ 1, got ${process.env.BENCH_WARMUP}`);
  }
  return value;
}

/**
 * `measure` options of a server's warm-up: 1 s flat out by default; a longer BENCH_WARMUP runs at the offered
 * `rate` when there is one (a server still compiling its hot path shows that in its tail, not its steady state).
 */
export function warmup(rate) {
  const duration = warmupSeconds();
  return { duration, ...(duration > 1 && { rate }) };
}

/** In a `serve` child: listens, then answers the driver's "reset" / "cpu" (server CPU µs per request). */
export function serveWithCpu(server) {
  let requests = 0;
  let since = process.cpuUsage();
  // BENCH_SERVER_TIMES=1: each request's time inside the server (request event to response finish) and the
  // event loop's delay, so a client-side tail can be told apart from time spent queued before the server.
  const timed = process.env.BENCH_SERVER_TIMES === "1" ? serverTimes(server) : undefined;
  server.on("request", () => {
    requests += 1;
  });
  process.on("message", (message) => {
    if (message === "reset") {
      requests = 0;
      since = process.cpuUsage();
      timed?.reset();
      process.send({ reset: true });
    } else if (message === "cpu") {
      const used = process.cpuUsage(since);
      const us = used.user + used.system;
      process.send({ usPerRequest: us / Math.max(1, requests), us, requests, ...timed?.read() });
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0)); // a clean exit writes --cpu-prof profiles
  process.send({ port: server.address().port });
}

function serverTimes(server) {
  // Histograms in ns: constant memory however long the round. The loop monitor runs only within rounds (it
  // wakes the process every `resolution` ms, which would tax the server being measured while this one idles),
  // and what it records is the interval between its ticks: the delay is that minus the resolution.
  const RESOLUTION_MS = 10;
  const inside = createHistogram();
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  server.prependListener("request", (_req, res) => {
    const start = process.hrtime.bigint();
    res.once("finish", () => inside.record(Math.max(1, Number(process.hrtime.bigint() - start))));
  });
  const ms = (ns) => ns / 1e6;
  const late = (ns) => Math.max(0, ms(ns) - RESOLUTION_MS);
  return {
    reset() {
      inside.reset();
      delay.reset();
      delay.enable();
    },
    read() {
      delay.disable();
      return {
        serverMs: { p50: ms(inside.percentile(50)), p99: ms(inside.percentile(99)), max: ms(inside.max) },
        loopDelayMs: { p99: late(delay.percentile(99)), max: late(delay.max) },
      };
    },
  };
}

/** CPU µs per delivery beside the table: steadier than req/s on a machine shared with other work. */
export function printCpu(rows) {
  console.log("\n| row | server CPU µs per delivery | baseline ÷ row |\n| --- | ---: | ---: |");
  for (const row of rows) {
    const base = rows.find((r) => r.name === (row.baseline ?? row.name));
    console.log(`| ${row.name} | ${row.cpuUs.toFixed(1)} | ${(base.cpuUs / row.cpuUs).toFixed(2)} |`);
  }
}

/** REDIS_URL, else the Redis on 6379 when it answers, else a throwaway redis-server of our own. */
export async function benchRedis() {
  const { spawn } = await import("node:child_process");
  const { freePort, redisAnswers } = await import("../scripts/net.mjs");
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => {} };
  if (await redisAnswers(6379)) return { url: "redis://127.0.0.1:6379", stop: async () => {} };
  const port = await freePort();
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const server = spawn("redis-server", args, { stdio: "ignore" });
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

/** What a careful developer writes by hand: HMAC over the raw bytes, constant-time compare, JSON.parse. */
export function handVerified(secret, raw, header) {
  const expected = Buffer.from(`sha256=${createHmac("sha256", secret).update(raw).digest("hex")}`);
  const given = Buffer.from(String(header ?? ""));
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  return JSON.parse(raw.toString("utf8"));
}

/** A hand-written body reader: the chunks up to `limit`, as a bare middleware would collect them. */
export function readBody(req, limit = 1024 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on("data", (chunk) => {
      size += chunk.length;
      if (size > limit) reject(new Error("too large"));
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/**
 * `count` GitHub pushes of ≈ 1.1 KB, distinct bodies, signed with `secret` (bench/ab.mjs,
 * bench/profile-server.mjs): with a fresh delivery id per request, the new-event path every time.
 */
export function paddedPushes(secret, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const after = createHmac("sha1", "x").update(String(i)).digest("hex");
    out.push(
      githubDelivery(secret, JSON.stringify({ ref: "refs/heads/main", after, pad: "y".repeat(1000) })),
    );
  }
  return out;
}

/** A GitHub push as GitHub sends it: a fresh X-GitHub-Delivery and the SHA-256 signature over `body`. */
export function githubDelivery(secret, body) {
  return {
    body,
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": randomUUID(),
      "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
    },
  };
}
