// The wrk load generator for lib.mjs `measure` (BENCH_DRIVER=wrk, the default when `wrk` is on PATH):
// a C client that needs far less CPU per request than autocannon, so on a 2-core machine the server, not the
// client, is what saturates, and req/s ratios between servers follow their CPU cost. wrk runs pinned to CPU 0,
// servers to CPU 1 (lib.mjs `pinnedFork`), when `taskset` exists.
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const DRIVER = fileURLToPath(new URL("./wrk-driver.lua", import.meta.url));

const has = (command) => {
  try {
    execFileSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

/** Which client drives the servers: BENCH_DRIVER, else wrk when installed, else autocannon. */
export const DRIVER_NAME = process.env.BENCH_DRIVER ?? (has("wrk") ? "wrk" : "autocannon");
/** Client on CPU 0, servers on CPU 1: on by default with wrk on a machine of 2+ CPUs (BENCH_PIN=0 turns it off). */
export const PIN =
  process.env.BENCH_PIN !== "0" && cpus().length >= 2 && has("taskset") && DRIVER_NAME === "wrk";

const files = new WeakMap();
let dir;
/** The deliveries as wrk-driver.lua reads them; written once per pool. */
function requestFile(deliveries) {
  let file = files.get(deliveries);
  if (file) return file;
  if (dir === undefined) {
    dir = mkdtempSync(join(tmpdir(), "webhook-kit-bench-"));
    // Tens of MB of requests per pool: gone with the run.
    const made = dir;
    process.once("exit", () => rmSync(made, { recursive: true, force: true }));
  }
  file = join(dir, `${Math.random().toString(36).slice(2)}.txt`);
  const lines = [];
  // wrk parses the file in every run; 20 000 distinct bodies are plenty when ids are fresh per request.
  for (const d of deliveries.slice(0, 20_000)) {
    for (const [name, value] of Object.entries(d.headers)) lines.push(`H ${name}: ${value}`);
    if (String(d.body).includes("\n")) throw new Error("wrk driver: bodies must be one line");
    lines.push(`B ${d.body}`);
  }
  writeFileSync(file, `${lines.join("\n")}\n`);
  files.set(deliveries, file);
  return file;
}

let runs = 0;
/** One wrk run against `url`: the same result shape as autocannon's path in lib.mjs (latencies in ms). */
export async function measureWithWrk(url, deliveries, { duration, connections, freshId, rate }) {
  const file = requestFile(deliveries);
  const prefix = `${process.pid}-${Date.now()}-${++runs}`;
  const args = [
    "-t1",
    `-c${connections}`,
    `-d${duration}s`,
    "--timeout",
    "10s",
    "-s",
    DRIVER,
    url,
    "--",
    file,
    prefix,
  ];
  if (freshId) args.push(freshId);
  // A fixed offered load: each connection pauses about connections/rate seconds between its requests.
  const env = { ...process.env, WEBHOOK_KIT_WRK_PAUSE_MS: rate ? String((1000 * connections) / rate) : "0" };
  const child = PIN ? spawn("taskset", ["-c", "0", "wrk", ...args], { env }) : spawn("wrk", args, { env });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += chunk;
  });
  child.stderr.on("data", (chunk) => {
    out += chunk;
  });
  const [code] = await once(child, "exit");
  const line = out.split("\n").find((l) => l.startsWith("WRK_RESULT "));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${out}`);
  const r = JSON.parse(line.slice("WRK_RESULT ".length));
  const seconds = r.durationUs / 1e6;
  return {
    rps: r.requests / seconds,
    p50: r.p50 / 1000,
    p90: r.p90 / 1000,
    p99: r.p99 / 1000,
    total: r.requests,
    bad: r.errors + r.timeouts + r.status,
    seconds,
  };
}
