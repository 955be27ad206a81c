import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./redis.js";

const BIN = process.env.PG_BIN ?? "/usr/local/bin";
const SHARED = "postgres://postgres@127.0.0.1:5432/test";

/** Where the tests' PostgreSQL is, and how to let go of it. */
export interface SharedPostgres {
  readonly url: string;
  /** Stops the server only if this process started it; the machine's 5432 one is never touched. */
  release(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
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

/**
 * 127.0.0.1:5432 (trust auth, database `test`) when it answers, otherwise a cluster of our own (initdb +
 * postgres from PG_BIN, default /usr/local/bin) on a free port. Rejects with a clear message when neither can
 * run: these tests need a real PostgreSQL and must not pass without one.
 */
export async function sharedPostgres(): Promise<SharedPostgres> {
  if (await answers(SHARED)) return { url: SHARED, release: async () => {} };
  const own = await startPrivatePostgres();
  return { url: own.url, release: () => own.stop() };
}

/** A PostgreSQL cluster this test started (and may kill and restart) on a free port. */
export interface PrivatePostgres {
  readonly url: string;
  /** Immediate shutdown (SIGQUIT: no checkpoint, as in a crash) and wait for the postmaster to exit. */
  kill(): Promise<void>;
  /** Start again on the same port and data directory, and wait until it answers. */
  start(): Promise<void>;
  /** Shut it down and remove its directory. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts a cluster on `port` (default: a free one). */
export async function startPrivatePostgres(port?: number): Promise<PrivatePostgres> {
  port ??= await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-pg-"));
  const data = path.join(dir, "data");
  // PostgreSQL refuses to run as root: there, the cluster belongs to the `postgres` system user.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) await run("chown", ["postgres", dir]);
  const command = (bin: string, args: string[]): [string, string[]] =>
    asRoot
      ? ["runuser", ["-u", "postgres", "--", path.join(BIN, bin), ...args]]
      : [path.join(BIN, bin), args];
  await run(...command("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]));
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;

  const start = async () => {
    const proc = spawn(
      ...command("postgres", ["-D", data, "-p", String(port), "-c", "listen_addresses=127.0.0.1", "-k", dir]),
      { stdio: ["ignore", "ignore", "pipe"] },
    );
    child = proc;
    const deadline = Date.now() + 20_000;
    while (!(await answers(admin))) {
      if (proc.exitCode !== null) throw new Error(`postgres exited at start (code ${proc.exitCode})`);
      if (Date.now() > deadline) throw new Error(`postgres on port ${port} did not answer within 20 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const signal = async (name: NodeJS.Signals) => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    // Signal the postmaster itself (runuser does not pass signals on).
    const pid = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(pid, name);
    await exited;
  };

  await start();
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query("CREATE DATABASE test");
  await client.end();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/test`,
    kill: () => signal("SIGQUIT"),
    start,
    async stop() {
      await signal("SIGINT"); // fast shutdown
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    child.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          error.code === "ENOENT"
            ? `${command} was not found. The PostgreSQL tests need a real PostgreSQL: run one on 127.0.0.1:5432 (trust auth, database "test") or set PG_BIN to the directory holding initdb and postgres.`
            : `${command} could not start: ${error.message}`,
        ),
      ),
    );
    child.once("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr.slice(-500)}`)),
    );
  });
}
