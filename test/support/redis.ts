import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Redis } from "ioredis";

const REDIS_SERVER = process.env.REDIS_SERVER ?? "redis-server";
const SHARED_PORT = 6379;

/** True when something on 127.0.0.1:`port` answers a RESP PING with +PONG. */
export function pingRedis(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (data) => done(data.toString().startsWith("+PONG")));
  });
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface PrivateRedisOptions {
  /** Durable mode: AOF with fsync on every write, in a fresh temp dir, so a restart keeps every acknowledged write. */
  durable?: boolean;
  /** More redis-server arguments, e.g. `["--cluster-enabled", "yes"]`. */
  extraArgs?: readonly string[];
  /** Listen here instead of on a free port (a client made before the server exists). */
  port?: number;
}

/** A redis-server this test started and may kill and restart on the same port. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILL (a crash, no shutdown save) and wait for the process to exit. */
  kill(): Promise<void>;
  /** Start again on the same port, same data dir, and wait until it answers PING. */
  start(): Promise<void>;
  /** Kill it and remove its temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * Starts a private redis-server on a free port (never the shared 6379 one). Rejects with a clear message
 * when redis-server is not installed: the Redis tests need a real Redis and must not pass without one.
 */
export async function startPrivateRedis(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-redis-"));
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--save",
    "",
    "--dir",
    dir,
    "--daemonize",
    "no",
  ];
  args.push(
    ...(options.durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
  );
  args.push(...(options.extraArgs ?? []));
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(REDIS_SERVER, args, { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    const failed = new Promise<never>((_, reject) => {
      proc.once("error", (error: NodeJS.ErrnoException) => {
        reject(
          new Error(
            error.code === "ENOENT"
              ? `redis-server was not found (looked for "${REDIS_SERVER}" on PATH). The Redis tests need a real Redis: install it (apt-get install redis-server) or set REDIS_SERVER to its path.`
              : `redis-server could not start: ${error.message}`,
          ),
        );
      });
      proc.once("exit", (code) =>
        reject(new Error(`redis-server exited at start (code ${code}) on port ${port}`)),
      );
    });
    failed.catch(() => {});
    const deadline = Date.now() + 10_000;
    while (!(await Promise.race([pingRedis(port), failed]))) {
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} did not answer PING within 10 s`);
      await new Promise((r) => setTimeout(r, 25));
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
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Where the tests' shared Redis is, and how to let go of it. */
export interface SharedRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server only if this process started it; the machine's 6379 one is never touched. */
  release(): Promise<void>;
}

/** 127.0.0.1:6379 when it answers PING, otherwise a redis-server of our own on a free port. */
export async function sharedRedis(): Promise<SharedRedis> {
  if (await pingRedis(SHARED_PORT)) {
    return { port: SHARED_PORT, url: `redis://127.0.0.1:${SHARED_PORT}`, release: async () => {} };
  }
  const own = await startPrivateRedis();
  return { port: own.port, url: own.url, release: () => own.stop() };
}

/** A key prefix no other test file or run shares, so files can run in parallel on one Redis. */
export function uniquePrefix(label: string): string {
  return `webhook-kit-test:${label}:${process.pid}:${randomBytes(4).toString("hex")}:`;
}

/** Deletes every key under `prefix` (SCAN, never KEYS). */
export async function deleteKeys(client: Redis, prefix: string): Promise<number> {
  let cursor = "0";
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== "0");
  return deleted;
}
