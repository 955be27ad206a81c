// A private PostgreSQL cluster for the soak scripts (plain Node): initdb in a temporary directory, a server on
// a free port that can be SIGKILLed and restarted with its data. PostgreSQL refuses to run as root, so as root
// the cluster belongs to the `postgres` system user. PG_BIN: where initdb and postgres are (default: PATH).
import { execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "./net.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** initdb / postgres: $PG_BIN, then PATH, then Debian's /usr/lib/postgresql/<newest>/bin. */
function bin(name) {
  const dirs = [process.env.PG_BIN, ...(process.env.PATH ?? "").split(path.delimiter)];
  if (existsSync("/usr/lib/postgresql")) {
    const versions = readdirSync("/usr/lib/postgresql").filter((v) => /^\d+$/.test(v));
    for (const v of versions.sort((a, b) => Number(b) - Number(a))) dirs.push(`/usr/lib/postgresql/${v}/bin`);
  }
  for (const dir of dirs) if (dir && existsSync(path.join(dir, name))) return path.join(dir, name);
  throw new Error(
    `${name} not found (PG_BIN, PATH, /usr/lib/postgresql/*/bin): apt-get install -y postgresql`,
  );
}

function postgresUser() {
  try {
    const id = (flag) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
    return { uid: id("-u"), gid: id("-g") };
  } catch {
    throw new Error(
      "running as root needs a `postgres` system user for the private cluster (apt-get install -y postgresql)",
    );
  }
}

function accepts(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Starts a fresh cluster; resolves once it accepts connections and answers a query. */
export async function privatePostgres() {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "webhook-kit-soak-pg-"));
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  const user = asRoot ? postgresUser() : undefined;
  if (user) chownSync(dir, user.uid, user.gid);
  const spawnOptions = user ? { uid: user.uid, gid: user.gid } : {};
  execFileSync(bin("initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"], {
    stdio: "ignore",
    ...spawnOptions,
  });
  let child;
  const start = async () => {
    child = spawn(
      bin("postgres"),
      ["-D", data, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=on"],
      {
        stdio: "ignore",
        ...spawnOptions,
      },
    );
    const deadline = Date.now() + 20_000;
    while (!(await accepts(port))) {
      if (child.exitCode !== null) throw new Error(`postgres exited at start (code ${child.exitCode})`);
      if (Date.now() > deadline)
        throw new Error(`postgres on ${port} did not accept connections within 20 s`);
      await sleep(50);
    }
    await sleep(200); // accepting is not yet ready for queries during recovery
  };
  const kill = async () => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((resolve) => proc.once("exit", resolve));
    proc.kill("SIGKILL");
    await exited;
    // The postmaster's children die with it soon after; wait until the port is free again.
    while (await accepts(port)) await sleep(50);
    await sleep(300);
  };
  await start();
  const stop = async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, url: `postgres://postgres@127.0.0.1:${port}/postgres`, start, kill, stop };
}
