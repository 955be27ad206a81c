import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { send } from "./http.js";
import { freePort } from "./redis.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/next/dist/index.js"];
const ENV: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" };

/** Every file under `dir` (recursively), skipping build output and dependencies. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name === ".next" || name === "node_modules" || name === "next-env.d.ts") return [];
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** What a build depends on: the app, what it imports from the suite, the built packages, Next's version. */
function buildInputsHash(appDir: string, alsoHash: string[]): string {
  const hash = createHash("sha256");
  const nextPackage = createRequire(path.join(appDir, "package.json")).resolve("next/package.json");
  const inputs = [
    ...filesUnder(appDir),
    ...alsoHash.map((file) => path.join(ROOT, file)),
    ...filesUnder(path.join(ROOT, "packages/core/dist")),
    ...filesUnder(path.join(ROOT, "packages/next/dist")),
    nextPackage,
  ].sort();
  for (const file of inputs) hash.update(file).update("\0").update(readFileSync(file)).update("\0");
  return hash.digest("hex");
}

/**
 * `next build` of `appDir` once (skipped when the last build's inputs are unchanged), then `next start` on a
 * free port for the enclosing test file. Build and start failures fail the tests, with Next's output.
 */
export function useNextApp(
  appDir: string,
  options: { env: Record<string, string>; readyPath: string; alsoHash?: string[] },
): { base(): string; logs(): string } {
  let server: ChildProcess | undefined;
  let base = "";
  let logs = "";
  const nextBin = createRequire(path.join(appDir, "package.json")).resolve("next/dist/bin/next");

  beforeAll(async () => {
    const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
    if (missing.length > 0) {
      throw new Error(
        `Next.js tests use the built packages; missing ${missing.join(", ")}. Run \`pnpm build\`.`,
      );
    }
    const stamp = path.join(appDir, ".next", "webhook-kit-build-inputs");
    const inputs = buildInputsHash(appDir, options.alsoHash ?? []);
    const built = existsSync(stamp) && readFileSync(stamp, "utf8") === inputs;
    if (!built) {
      // The start-time environment (secrets) is kept out of the build: routes read it on their first request.
      const buildEnv = { ...ENV };
      for (const name of Object.keys(options.env)) delete buildEnv[name];
      await promisify(execFile)(process.execPath, [nextBin, "build"], {
        cwd: appDir,
        env: buildEnv,
        maxBuffer: 16 * 1024 * 1024,
      }).catch((error: { stdout?: string; stderr?: string }) => {
        throw new Error(`next build failed:\n${error.stdout ?? ""}\n${error.stderr ?? ""}`);
      });
      writeFileSync(stamp, inputs);
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = spawn(process.execPath, [nextBin, "start", "-H", "127.0.0.1", "-p", String(port)], {
      cwd: appDir,
      env: { ...ENV, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    server.stdout?.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    server.stderr?.on("data", (chunk: Buffer) => {
      logs += chunk.toString();
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (server.exitCode !== null) throw new Error(`next start exited (${server.exitCode}):\n${logs}`);
      const ready = await send(`${base}${options.readyPath}`, { method: "GET" }).catch(() => undefined);
      if (ready !== undefined && ready.status < 500) break;
      if (Date.now() > deadline) throw new Error(`next start did not answer within 60 s:\n${logs}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }, 300_000);

  afterAll(async () => {
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolve) => server?.once("exit", resolve));
    server.kill("SIGTERM");
    const timer = setTimeout(() => server?.kill("SIGKILL"), 5_000);
    await exited;
    clearTimeout(timer);
  });

  return { base: () => base, logs: () => logs };
}
