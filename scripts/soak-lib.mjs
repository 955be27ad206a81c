// What the soak scripts share: seeded randomness, a private durable redis-server, child processes that say
// READY <port> / STATS <json>, and a sender that retries like a webhook platform (plain Node, no build).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, redisAnswers } from "./net.mjs";

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const log = (msg) => process.stderr.write(`[soak] ${msg}\n`);

export function int(name, fallback) {
  const v = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
}
export function num(name, fallback) {
  const v = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number ≥ 0`);
  return v;
}

/** mulberry32: a small seeded PRNG, so a run's plan is reproducible from its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Which events get a duplicate, and which kind: concurrent (both processes at once) or late (after the ack). */
export function duplicatePlan(events, duplicates, random) {
  if (duplicates > events)
    throw new Error("the duplicate rate must be ≤ 0.5 (one duplicate per event at most)");
  const plan = new Array(events).fill("none");
  const order = Array.from({ length: events }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  for (let k = 0; k < duplicates; k++) plan[order[k]] = k % 2 === 0 ? "concurrent" : "late";
  return plan;
}

/** A private, durable redis-server (AOF, fsync always) on a free port that can be SIGKILLed and restarted. */
export async function privateRedis(server = process.env.REDIS_SERVER ?? "redis-server") {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-soak-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dir];
  args.push("--appendonly", "yes", "--appendfsync", "always", "--daemonize", "no");
  let child;
  const start = async () => {
    child = spawn(server, args, { stdio: "ignore" });
    const failed = new Promise((_, reject) => {
      child.once("error", (e) => reject(new Error(`redis-server could not start (${server}): ${e.message}`)));
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

/**
 * Starts `script` with `env`; resolves once it prints `READY <port>` (port 0 for processes that serve none).
 * `stop()` sends SIGTERM and resolves with the JSON of its `STATS` line; `kill()` is SIGKILL.
 */
export function startProcess(script, name, env) {
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env, NAME: name },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (c) => {
    stderr = (stderr + c).slice(-20_000);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 20 s: ${stderr}`)), 20_000);
    child.once("exit", (code) => reject(new Error(`${name} exited (${code}) at start: ${stderr}`)));
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
        pid: child.pid,
        port: Number(ready[1]),
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done({ name, exited: true });
            child.once("exit", () => {
              const line = /STATS (.*)/.exec(stdout);
              done(line ? JSON.parse(line[1]) : { name, error: `no stats; stderr: ${stderr.slice(-500)}` });
            });
            child.kill("SIGTERM");
          }),
        kill: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGKILL");
          }),
      });
    });
  });
}

const RETRYABLE = new Set([0, 408, 409, 429, 500, 502, 503, 504]);
/** A sender's retry schedule in real seconds (1 s, 2 s, 4 s … 30 s), time-scaled. */
const SCHEDULE_S = [1, 2, 4, 8, 16, 30];

/**
 * A webhook platform: POSTs a signed body to one of `ports` and retries 409 / 429 / 5xx / network errors on
 * a time-scaled schedule that honours Retry-After, until a 2xx, a non-retryable answer or `maxAttempts`.
 */
export function createSender({ ports, header, concurrency, timeScale, random, maxAttempts = 60, onAck }) {
  const agents = ports.map(() => new http.Agent({ keepAlive: true, maxSockets: concurrency * 2 }));
  const stats = {
    httpRequests: 0,
    statuses: {},
    retries: 0,
    maxAttempts: 0,
    gaveUp: [],
    unexpected: [],
    acknowledged: 0,
  };
  const post = (r, body, signature) =>
    new Promise((resolve) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port: ports[r],
          path: "/webhooks",
          method: "POST",
          agent: agents[r],
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(body),
            [header]: signature,
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
  const deliver = async (r, body, signature) => {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const { status, retryAfter } = await post(r, body, signature);
      stats.httpRequests += 1;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      onAck?.(status, attempt);
      if (status >= 200 && status < 300) {
        stats.maxAttempts = Math.max(stats.maxAttempts, attempt);
        stats.acknowledged += 1;
        return;
      }
      if (!RETRYABLE.has(status)) {
        stats.unexpected.push(`${status} for ${body.slice(0, 60)}`);
        return;
      }
      stats.retries += 1;
      const scheduleMs = SCHEDULE_S[Math.min(attempt - 1, SCHEDULE_S.length - 1)] * 1000;
      const waitMs = Math.max(scheduleMs, Number.isFinite(retryAfter) ? retryAfter * 1000 : 0) * timeScale;
      await sleep(waitMs * (0.75 + random() * 0.5));
    }
    stats.gaveUp.push(body.slice(0, 60));
  };
  return {
    deliver,
    stats,
    close: () => {
      for (const agent of agents) agent.destroy();
    },
  };
}
