import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll } from "vitest";
import { freePort } from "./redis.js";

const SHARED_PORT = 5432;
const DATABASE = "test";

const urlFor = (port: number, database = DATABASE) => `postgres://postgres@127.0.0.1:${port}/${database}`;

/** True when PostgreSQL on 127.0.0.1:`port` accepts user postgres (trust) on `database` and answers a query. */
export async function postgresAnswers(
  port: number,
  database = DATABASE,
  timeoutMs = 1_000,
): Promise<boolean> {
  const client = new pg.Client({
    connectionString: urlFor(port, database),
    connectionTimeoutMillis: timeoutMs,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Where the tests' shared PostgreSQL is, and how to let go of it. */
export interface SharedPostgres {
  readonly port: number;
  readonly url: string;
  /** Stops the server only if this process started it; the machine's 5432 one is never touched. */
  release(): Promise<void>;
}

/** 127.0.0.1:5432 (database `test`) when it answers, otherwise a throwaway cluster of our own on a free port. */
export async function sharedPostgres(): Promise<SharedPostgres> {
  if (await postgresAnswers(SHARED_PORT)) {
    return { port: SHARED_PORT, url: urlFor(SHARED_PORT), release: async () => {} };
  }
  const own = await startPrivatePostgres();
  return { port: own.port, url: own.url, release: () => own.stop() };
}

/** A PostgreSQL server this test started (initdb in a temp dir) and may crash and restart on the same port. */
export interface PrivatePostgres {
  readonly port: number;
  readonly url: string;
  /** Immediate shutdown (SIGQUIT: no checkpoint, crash recovery at the next start), and wait for the exit. */
  kill(): Promise<void>;
  /** Start again on the same port and data directory; resolves once it answers a query. */
  start(): Promise<void>;
  /** Kill it and remove its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** initdb and postgres: $PG_BIN, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin. */
function postgresBinaries(): { initdb: string; postgres: string } {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) if (dir) candidates.push(dir);
  const debian = "/usr/lib/postgresql";
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+$/.test(v))
      .sort((a, b) => Number(b) - Number(a));
    for (const v of versions) candidates.push(path.join(debian, v, "bin"));
  }
  for (const dir of candidates) {
    const initdb = path.join(dir, "initdb");
    const postgres = path.join(dir, "postgres");
    if (existsSync(initdb) && existsSync(postgres)) return { initdb, postgres };
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, postgres) were not found on PATH, in $PG_BIN or in /usr/lib/postgresql/*/bin, and nothing answers on 127.0.0.1:5432. The PostgreSQL tests need a real server: install it (apt-get install postgresql) or set PG_BIN.",
  );
}

/**
 * PostgreSQL refuses to run as root: as root, the server runs as the `postgres` system user (setpriv, which
 * execs, so the child's pid is the postmaster's) and owns its directory.
 */
function asServerUser(dir: string): { wrap: (argv: string[]) => string[] } {
  if (process.getuid?.() !== 0) return { wrap: (argv) => argv };
  let uid: number;
  let gid: number;
  try {
    uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
  } catch {
    throw new Error(
      "Running as root, and there is no `postgres` system user to run a throwaway PostgreSQL server as (PostgreSQL refuses root). Install the postgresql package, which creates it.",
    );
  }
  chownSync(dir, uid, gid);
  return {
    wrap: (argv) => ["setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--init-groups", "--", ...argv],
  };
}

const live = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of live) child.kill("SIGQUIT"); // a test that died must not leave servers behind
});

/**
 * Starts a private PostgreSQL on a free port (never the shared 5432 one), with a database `test`; trust auth
 * for user postgres on 127.0.0.1. Rejects with a clear message when it cannot run: the tests need a real
 * server and must not pass without one.
 */
export async function startPrivatePostgres(onPort?: number): Promise<PrivatePostgres> {
  const bins = postgresBinaries();
  const port = onPort ?? (await freePort());
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-pg-"));
  const data = path.join(dir, "data");
  const user = asServerUser(dir);
  const run = (argv: string[]) => {
    const [command, ...args] = user.wrap(argv) as [string, ...string[]];
    return { command, args };
  };
  const init = run([bins.initdb, "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"]);
  try {
    execFileSync(init.command, init.args, { stdio: "pipe" });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? String(error);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`initdb failed for a throwaway PostgreSQL in ${dir}: ${stderr.trim()}`);
  }

  let child: ChildProcess | undefined;
  const start = async () => {
    const { command, args } = run([
      bins.postgres,
      "-D",
      data,
      "-p",
      String(port),
      "-c",
      "listen_addresses=127.0.0.1",
      "-c",
      `unix_socket_directories=${dir}`,
      "-c",
      "max_connections=100",
    ]);
    const proc = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    child = proc;
    live.add(proc);
    let stderr = "";
    proc.stderr?.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4_000);
    });
    const failed = new Promise<never>((_, reject) => {
      proc.once("error", (error) => reject(new Error(`PostgreSQL could not start: ${error.message}`)));
      proc.once("exit", (code) =>
        reject(new Error(`PostgreSQL exited at start (code ${code}) on port ${port}: ${stderr.trim()}`)),
      );
    });
    failed.catch(() => {});
    const deadline = Date.now() + 30_000;
    while (!(await Promise.race([postgresAnswers(port, "postgres", 500), failed]))) {
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL on port ${port} did not answer within 30 s: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc) return;
    live.delete(proc);
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGQUIT");
    await exited;
  };

  await start();
  const admin = new pg.Client({ connectionString: urlFor(port, "postgres") });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  return {
    port,
    url: urlFor(port),
    kill,
    start,
    async stop() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A table name no other test file or run shares (a valid PostgresStore identifier, ≤ 48 characters). */
export function uniqueTable(label: string): string {
  return `wk_${label.replace(/[^a-z0-9_]/g, "_").slice(0, 20)}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

/** Drops the given tables (IF EXISTS) on `url`. */
export async function dropTables(url: string, ...tables: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of tables) await client.query(`DROP TABLE IF EXISTS "${table}"`);
  } finally {
    await client.end();
  }
}

/**
 * Two pools on the shared test PostgreSQL for the enclosing describe block (two processes' worth of
 * connections); every table made through `table()` is dropped afterwards.
 */
export function useTwoPostgresPools(label: string): {
  pools(): [pg.Pool, pg.Pool];
  /** A fresh table name, dropped after the block. */
  table(): string;
} {
  let postgres: SharedPostgres | undefined;
  let pools: pg.Pool[] = [];
  const tables: string[] = [];
  beforeAll(async () => {
    postgres = await sharedPostgres();
    const url = postgres.url;
    pools = [new pg.Pool({ connectionString: url, max: 4 }), new pg.Pool({ connectionString: url, max: 4 })];
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    if (postgres) await dropTables(postgres.url, ...tables);
    await postgres?.release();
  });
  return {
    pools: () => pools as [pg.Pool, pg.Pool],
    table: () => {
      const name = uniqueTable(`${label}_${tables.length}`);
      tables.push(name);
      return name;
    },
  };
}
