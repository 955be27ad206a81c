#!/usr/bin/env node
// The first hour of a new user, scripted: pack every package, install the tarballs with npm in scratch
// projects OUTSIDE the workspace (nothing resolves through pnpm's links), compile with a real tsc under every
// module resolution, run a receiver, send it signed deliveries with the packed CLI, and assert what the user
// sees on the screen. Needs `pnpm build` first, the npm registry, and redis-server (or a Redis on 6379).
// Exits 1 at the first surprise, with the command and its whole output.
import { spawn, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const PACKAGES = ["core", "express", "fastify", "koa", "next", "redis", "postgres", "bullmq", "testing"];
const SECRET = "whsec_first_hour_secret";
const started = Date.now();
const scratch = mkdtempSync(path.join(tmpdir(), "webhook-kit-first-hour-"));
const children = new Set();

class Failure extends Error {}

// pnpm rewrites `workspace:^` to real versions when packing; CI may have it only through npx.
const PNPM =
  spawnSync("pnpm", ["--version"], { encoding: "utf8" }).status === 0 ? ["pnpm"] : ["npx", "-y", "pnpm@10"];

function step(text) {
  console.log(`first-hour [${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
}

function fail(message, output = "") {
  throw new Failure(
    `${message}${output ? `\n----- output -----\n${output.trimEnd()}\n------------------` : ""}`,
  );
}

/** Runs a command to completion; fails loudly unless its exit code is `expect`. */
function run(command, args, { cwd, expect = 0, env = {}, input } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, NO_COLOR: "1", npm_config_update_notifier: "false", ...env },
    input,
    encoding: "utf8",
    timeout: 180_000,
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.error) fail(`${command} ${args.join(" ")}: ${result.error.message}`, output);
  if (expect !== undefined && result.status !== expect) {
    fail(
      `\`${command} ${args.join(" ")}\` in ${cwd ?? root} exited ${result.status}, expected ${expect}`,
      output,
    );
  }
  return { code: result.status, stdout: result.stdout ?? "", stderr: result.stderr ?? "", output };
}

function expectIn(text, expected, what) {
  if (!text.includes(expected)) fail(`${what}: expected to see ${JSON.stringify(expected)}`, text);
}
function expectNotIn(text, unexpected, what) {
  if (text.includes(unexpected)) fail(`${what}: did not expect ${JSON.stringify(unexpected)}`, text);
}

function writeFiles(dir, files) {
  for (const [name, content] of Object.entries(files)) {
    const file = path.join(dir, name);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, typeof content === "string" ? content : `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** Runs [command, args, cwd] jobs, `width` at a time; fails like run() on the first non-zero exit. */
async function inParallel(width, jobs) {
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const [command, args, cwd] = job;
      const result = await new Promise((resolve) => {
        const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1" } });
        children.add(child);
        let output = "";
        child.stdout.on("data", (c) => (output += c));
        child.stderr.on("data", (c) => (output += c));
        child.on("error", (error) => resolve({ code: -1, output: `${output}${error.message}` }));
        child.on("close", (code) => {
          children.delete(child);
          resolve({ code, output });
        });
      });
      if (result.code !== 0)
        fail(`\`${command} ${args.join(" ")}\` in ${cwd} exited ${result.code}, expected 0`, result.output);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
}

const npmInstall = (cwd, args = []) =>
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...args], { cwd });

/** Starts a long-running process; resolves once its output matches `ready`. */
function start(command, args, { cwd, env = {}, ready }) {
  const child = spawn(command, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env } });
  children.add(child);
  const log = { text: "" };
  child.stdout.on("data", (c) => (log.text += c));
  child.stderr.on("data", (c) => (log.text += c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Failure(`${command} ${args.join(" ")} did not start:\n${log.text}`)),
      20_000,
    );
    const check = () => {
      const match = ready.exec(log.text);
      if (match) {
        clearTimeout(timer);
        resolve({ child, log, match });
      }
    };
    child.stdout.on("data", check);
    child.stderr.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Failure(`${command} ${args.join(" ")} exited ${code} before it was ready:\n${log.text}`));
    });
  });
}

function stop(child) {
  if (child.exitCode === null) child.kill("SIGTERM");
  children.delete(child);
}

/** Waits until `probe` is true, or fails with the text it watched. */
async function until(what, probe, text) {
  const deadline = Date.now() + 10_000;
  while (!probe()) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`, text());
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function pingRedis(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(String(d).startsWith("+PONG")));
  });
}

// ---------------------------------------------------------------------------------------------------------
// 1. Pack: what npm would publish.

function pack() {
  const missing = PACKAGES.filter((name) => !existsSync(path.join(root, "packages", name, "dist")));
  if (missing.length > 0) fail(`packages/${missing.join(", ")} not built: run \`pnpm build\` first.`);
  const out = path.join(scratch, "tarballs");
  mkdirSync(out);
  const tarballs = {};
  for (const name of PACKAGES) {
    run(PNPM[0], [...PNPM.slice(1), "pack", "--pack-destination", out], {
      cwd: path.join(root, "packages", name),
    });
    const file = readdirSync(out).find((f) => f.startsWith(`webhook-kit-${name}-`) && f.endsWith(".tgz"));
    if (!file) fail(`pnpm pack left no tarball for ${name} in ${out}`);
    tarballs[name] = path.join(out, file);
    // What the npm page and an installed copy show: README, LICENSE; core also ships the node10 stub.
    const listing = run("tar", ["-tzf", tarballs[name]]).stdout;
    for (const entry of [
      "package/README.md",
      "package/LICENSE",
      "package/package.json",
      "package/dist/index.js",
    ]) {
      expectIn(listing, entry, `${name}'s tarball`);
    }
    if (name === "core") expectIn(listing, "package/node/package.json", "core's tarball");
    const manifest = JSON.parse(run("tar", ["-xzOf", tarballs[name], "package/package.json"]).stdout);
    if (JSON.stringify(manifest).includes("workspace:"))
      fail(`${name}'s packed package.json still says workspace:`);
    if (manifest.repository?.directory !== `packages/${name}`)
      fail(`${name}'s tarball has no repository.directory`);
  }
  step(`packed ${PACKAGES.length} packages; each tarball has README.md and LICENSE`);
  return tarballs;
}

/** package.json dependencies on tarballs; overrides make every nested @webhook-kit/* the packed one too. */
function localPackages(tarballs, names) {
  const deps = Object.fromEntries(names.map((n) => [`@webhook-kit/${n}`, `file:${tarballs[n]}`]));
  return { dependencies: deps, overrides: { "@webhook-kit/core": `file:${tarballs.core}` } };
}

// ---------------------------------------------------------------------------------------------------------
// 2. Express + TypeScript (nodenext, ESM): compile, run, send with the CLI; plus the resolution matrix.

const SERVER_TS = `import { createReceiver, providers } from "@webhook-kit/core";
import { webhookMiddleware } from "@webhook-kit/express";
import express from "express";

const receiver = createReceiver({ provider: providers.eulabel({ secret: process.env.EULABEL_SECRET! }) });
receiver.on("passport.published", async (event) => {
  const completeness: number = event.payload.compliance.completeness;
  console.log(\`handled \${event.type} \${completeness}%\`);
});

const app = express();
app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
app.use(express.json());
const server = app.listen(Number(process.env.PORT ?? 0), () => {
  const address = server.address();
  console.log(\`listening on \${typeof address === "object" && address ? address.port : address}\`);
});
`;

/** Imports every entry point: type-checked under each resolution mode. */
const ENTRY_POINTS_TS = `import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { webhookMiddleware } from "@webhook-kit/express";
import { fixtures, signDelivery } from "@webhook-kit/testing";

const receiver = createReceiver({ provider: providers.eudr({ secret: "s" }) });
export const handler = createNodeHandler(receiver, { path: "/webhooks" });
export const middleware = webhookMiddleware(receiver);
export const signed = signDelivery(providers.eudr({ secret: "s" }), fixtures.eudr["supplier.created"]);
`;

// skipLibCheck: resolution is what differs between modes (attw checks the declarations themselves), and
// checking @types/express and @types/node five times would cost a minute on a 2-core machine.
const COMPILER = {
  strict: true,
  skipLibCheck: true,
  types: ["node"],
  lib: ["ES2022", "DOM"],
  target: "ES2022",
};

async function expressProject(tarballs) {
  const dir = path.join(scratch, "express-nodenext");
  writeFiles(dir, {
    "package.json": {
      name: "first-hour-express",
      private: true,
      type: "module",
      ...localPackages(tarballs, ["core", "express", "testing"]),
    },
    "src/server.ts": SERVER_TS,
    "tsconfig.json": {
      compilerOptions: { ...COMPILER, module: "nodenext", moduleResolution: "nodenext", outDir: "dist" },
      include: ["src"],
    },
    // The resolution matrix: ESM here, CommonJS under cjs/ (its own package.json says so).
    "matrix/entry.ts": ENTRY_POINTS_TS,
    "tsconfig.node16.json": {
      compilerOptions: { ...COMPILER, module: "node16", moduleResolution: "node16", noEmit: true },
      files: ["matrix/entry.ts"],
    },
    "tsconfig.bundler.json": {
      compilerOptions: { ...COMPILER, module: "esnext", moduleResolution: "bundler", noEmit: true },
      files: ["matrix/entry.ts"],
    },
    "cjs/package.json": { type: "commonjs" },
    "cjs/entry.ts": ENTRY_POINTS_TS,
    "cjs/tsconfig.node16.json": {
      compilerOptions: { ...COMPILER, module: "node16", moduleResolution: "node16", noEmit: true },
      files: ["entry.ts"],
    },
    "cjs/tsconfig.nodenext.json": {
      compilerOptions: { ...COMPILER, module: "nodenext", moduleResolution: "nodenext", noEmit: true },
      files: ["entry.ts"],
    },
  });
  npmInstall(dir);
  npmInstall(dir, ["--save-dev", "typescript@^5.9", "@types/node@^20", "@types/express@^5", "express@^5"]);
  step("express-nodenext: npm install of the tarballs, express, typescript");

  const tsc = path.join(dir, "node_modules", ".bin", "tsc");
  // Two at a time: the machine has two cores.
  await inParallel(2, [
    [tsc, ["-p", "tsconfig.json"], dir],
    [tsc, ["-p", "tsconfig.node16.json"], dir],
    [tsc, ["-p", "tsconfig.bundler.json"], dir],
    [tsc, ["-p", "tsconfig.node16.json"], path.join(dir, "cjs")],
    [tsc, ["-p", "tsconfig.nodenext.json"], path.join(dir, "cjs")],
  ]);
  step("express-nodenext: tsc compiles (nodenext ESM; matrix: node16 ESM+CJS, nodenext CJS, bundler)");

  const cli = path.join(dir, "node_modules", ".bin", "webhook-kit");
  const version = run(cli, ["--version"], { cwd: dir }).stdout.trim();
  const expected = JSON.parse(readFileSync(path.join(root, "packages/testing/package.json"), "utf8")).version;
  if (version !== expected)
    fail(`webhook-kit --version printed ${JSON.stringify(version)}, expected ${expected}`);

  const server = await start("node", ["dist/server.js"], {
    cwd: dir,
    env: { EULABEL_SECRET: SECRET },
    ready: /listening on (\d+)/,
  });
  const url = `http://127.0.0.1:${server.match[1]}/webhooks/eulabel`;
  const send = (args, expect) =>
    run(
      cli,
      [
        "send",
        "--provider",
        "eulabel",
        "--secret",
        SECRET,
        "--url",
        url,
        "--event",
        "passport.published",
        ...args,
      ],
      { cwd: dir, expect },
    );
  try {
    // Two sends are two new events: both handled, both run.
    for (let i = 0; i < 2; i++) {
      const res = send([], 0);
      expectIn(res.stdout, 'attempt 1 → 200 {"received":true}', "send");
      expectIn(res.stdout, "handled: the receiver ran its handlers for passport.published (200).", "send");
    }
    await until(
      "two handler runs",
      () => (server.log.text.match(/handled passport\.published 100%/g) ?? []).length === 2,
      () => server.log.text,
    );
    // The same delivery twice: the second is a duplicate, said so, exit 3, nothing ran.
    send(["--same"], 0);
    const dup = send(["--same"], 3);
    expectIn(dup.stdout, '↺ attempt 1 → 200 {"received":true,"duplicate":true}', "send --same (again)");
    expectIn(
      dup.stdout,
      "duplicate: the receiver already had this delivery, so nothing ran",
      "send --same (again)",
    );
    expectNotIn(dup.stdout, "handled:", "send --same (again)");
    // Handlers run before the answer (ack after handlers), so once a later event's line is printed, a line
    // from the duplicate would have been printed before it: exactly 4 runs for 4 distinct events.
    send([], 0);
    const runs = () => (server.log.text.match(/handled passport\.published/g) ?? []).length;
    await until(
      "four handler runs",
      () => runs() >= 4,
      () => server.log.text,
    );
    if (runs() !== 4) fail("the duplicate ran a handler", server.log.text);
    // The wrong secret: 401 and what to check.
    const wrong = run(cli, ["send", "--provider", "eulabel", "--secret", "not-it", "--url", url], {
      cwd: dir,
      expect: 1,
    });
    expectIn(
      wrong.stdout,
      "not delivered after 1 attempt(s): 401 invalid_signature — is --secret the receiver's secret",
      "send with a wrong secret",
    );
    // The receiver is down: the reason, not `TypeError: fetch failed`.
    const down = await freePort();
    const refused = run(
      cli,
      ["send", "--provider", "eulabel", "--secret", SECRET, "--url", `http://127.0.0.1:${down}/`],
      { cwd: dir, expect: 1 },
    );
    expectIn(refused.stdout, `ECONNREFUSED 127.0.0.1:${down}: connection refused`, "send to a closed port");
    expectNotIn(refused.output, "fetch failed", "send to a closed port");
    // A usage mistake: one line and a hint.
    const usage = run(cli, ["send", "--provider", "eulabel", "--secret", SECRET], { cwd: dir, expect: 2 });
    if (usage.stderr.trimEnd().split("\n").length !== 2)
      fail("a usage error should be two lines (error + hint)", usage.stderr);
    // GitHub push has a fixture.
    expectIn(
      run(cli, ["--list-events", "--provider", "github"], { cwd: dir }).stdout,
      "push\n",
      "--list-events --provider github",
    );
  } finally {
    stop(server.child);
  }
  step(
    "express-nodenext: server runs; CLI sends: new events handled, --same → duplicate (exit 3), 401 and ECONNREFUSED explained",
  );
  return dir;
}

// ---------------------------------------------------------------------------------------------------------
// 3. CommonJS + TypeScript node10 (module commonjs): the @webhook-kit/core/node subpath must resolve.

async function cjsNode10Project(expressDir) {
  // A CommonJS app beside the first one, sharing its node_modules (resolution walks up to it).
  const dir = path.join(expressDir, "cjs-node10");
  writeFiles(dir, {
    "package.json": { name: "first-hour-cjs", private: true, type: "commonjs" },
    "tsconfig.json": {
      compilerOptions: {
        ...COMPILER,
        module: "commonjs",
        moduleResolution: "node10",
        esModuleInterop: true,
        outDir: "dist",
      },
      include: ["server.ts"],
    },
    "server.ts": `import http from "node:http";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";

const receiver = createReceiver({ provider: providers.eudr({ secret: process.env.EUDR_WEBHOOK_SECRET! }) });
receiver.on("supplier.created", (event) => {
  console.log(\`handled \${event.type} \${event.payload.data.externalId}\`);
});
const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks/eudr" }));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(\`listening on \${typeof address === "object" && address ? address.port : address}\`);
});
`,
  });
  run(path.join(expressDir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir });
  const built = readFileSync(path.join(dir, "dist", "server.js"), "utf8");
  expectIn(built, 'require("@webhook-kit/core/node")', "the CommonJS build");
  const cli = path.join(expressDir, "node_modules", ".bin", "webhook-kit");
  const server = await start("node", ["dist/server.js"], {
    cwd: dir,
    env: { EUDR_WEBHOOK_SECRET: SECRET },
    ready: /listening on (\d+)/,
  });
  try {
    const url = `http://127.0.0.1:${server.match[1]}/webhooks/eudr`;
    const res = run(
      cli,
      ["send", "--provider", "eudr", "--secret", SECRET, "--url", url, "--event", "supplier.created"],
      { cwd: dir },
    );
    expectIn(
      res.stdout,
      "handled: the receiver ran its handlers for supplier.created (200).",
      "send to the CommonJS server",
    );
    await until(
      "the handler's line",
      () => server.log.text.includes("handled supplier.created VENDOR-001"),
      () => server.log.text,
    );
    // No handler for this type: acknowledged, nothing ran, said so.
    const other = run(
      cli,
      ["send", "--provider", "eudr", "--secret", SECRET, "--url", url, "--event", "sync.completed"],
      { cwd: dir, expect: 3 },
    );
    expectIn(
      other.stdout,
      "not handled: the receiver has no handler for sync.completed",
      "send of an unhandled type",
    );
  } finally {
    stop(server.child);
  }
  step(
    "cjs-node10: tsc (module commonjs, moduleResolution node10) resolves @webhook-kit/core/node; require() runs; CLI sends",
  );
}

// ---------------------------------------------------------------------------------------------------------
// 4. `npm i @webhook-kit/redis ioredis` gets ioredis 6: a valid peer, later installs work, the store works.

async function ioredis6Project(tarballs, cliDir) {
  const dir = path.join(scratch, "redis-ioredis6");
  writeFiles(dir, {
    "package.json": {
      name: "first-hour-redis",
      private: true,
      type: "module",
      ...localPackages(tarballs, ["core", "redis"]),
    },
  });
  npmInstall(dir);
  npmInstall(dir, ["ioredis"]); // what the README says; latest is 6
  const ioredis = JSON.parse(readFileSync(path.join(dir, "node_modules", "ioredis", "package.json"), "utf8"));
  if (!ioredis.version.startsWith("6."))
    fail(`npm install ioredis gave ${ioredis.version}; this check expects ioredis 6`);
  const ls = run("npm", ["ls", "--all"], { cwd: dir });
  expectNotIn(ls.output, "invalid", "npm ls");
  npmInstall(dir); // the later install that failed with ERESOLVE
  step(`redis-ioredis6: ioredis ${ioredis.version} is a valid peer; a second npm install succeeds`);

  let port = 6379;
  let redis;
  if (!(await pingRedis(port))) {
    port = await freePort();
    redis = await start(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { cwd: dir, ready: /Ready to accept connections/ },
    );
  }
  writeFiles(dir, {
    "server.mjs": `import http from "node:http";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";

const client = createRedisClient(process.env.REDIS_URL);
client.on("error", (err) => console.warn("redis:", err.message));
const receiver = createReceiver({
  provider: providers.generic({ secret: process.env.WEBHOOK_SECRET }),
  store: new RedisStore({ client, prefix: "first-hour-" + process.pid + ":" }),
});
receiver.on("user.created", (event) => console.log("handled", event.type, event.id));
const server = http.createServer(createNodeHandler(receiver));
server.listen(0, "127.0.0.1", () => console.log("listening on " + server.address().port));
`,
  });
  const server = await start("node", ["server.mjs"], {
    cwd: dir,
    env: { REDIS_URL: `redis://127.0.0.1:${port}`, WEBHOOK_SECRET: SECRET },
    ready: /listening on (\d+)/,
  });
  try {
    const cli = path.join(cliDir, "node_modules", ".bin", "webhook-kit");
    const url = `http://127.0.0.1:${server.match[1]}/`;
    const send = (args, expect) =>
      run(
        cli,
        [
          "send",
          "--provider",
          "generic",
          "--secret",
          SECRET,
          "--url",
          url,
          "--event",
          "user.created",
          ...args,
        ],
        { cwd: dir, expect },
      );
    expectIn(
      send([], 0).stdout,
      "handled: the receiver ran its handlers for user.created",
      "send (RedisStore, ioredis 6)",
    );
    send(["--same"], 0);
    expectIn(
      send(["--same"], 3).stdout,
      "duplicate: the receiver already had this delivery",
      "send --same (RedisStore, ioredis 6)",
    );
  } finally {
    stop(server.child);
    if (redis) stop(redis.child);
  }
  step("redis-ioredis6: RedisStore on an ioredis 6 client dedupes: new → handled, --same twice → duplicate");
}

// ---------------------------------------------------------------------------------------------------------
// 5. A custom provider with zod 3: a project on zod 3 (a peer range core accepts), defineProvider() whose events
//    are zod 3 schemas, compiled with tsc (strict, nodenext) with the payload typed from them, then sent to with
//    `webhook-kit send --provider ./dist/acme.js`: a valid order is handled, an invalid one refused with its path.

const ACME_TS = `import { defineProvider, hmacSignature } from "@webhook-kit/core";
import { z } from "zod";

export const events = {
  "order.paid": z.object({ type: z.literal("order.paid"), id: z.string(), total: z.number() }).passthrough(),
};

export default ({ secret }: { secret: string }) =>
  defineProvider({
    name: "acme",
    signature: hmacSignature({ header: "x-acme-signature", prefix: "sha256=", secret }),
    events,
    eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
    idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
  });

export const fixtures = { "order.paid": { type: "order.paid", id: "ord_1", total: 42 } };
`;

const ACME_SERVER_TS = `import http from "node:http";
import { createReceiver } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import acme from "./acme.js";

const receiver = createReceiver({ provider: acme({ secret: process.env.WEBHOOK_SECRET! }) });
receiver.on("order.paid", (event) => {
  const total: number = event.payload.total; // typed from the zod 3 schema
  console.log(\`handled \${event.type} \${total}\`);
});
const server = http.createServer(createNodeHandler(receiver));
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  console.log(\`listening on \${typeof address === "object" && address ? address.port : address}\`);
});
`;

async function zod3CustomProvider(tarballs) {
  const dir = path.join(scratch, "zod3-custom-provider");
  writeFiles(dir, {
    "package.json": {
      name: "first-hour-zod3",
      private: true,
      type: "module",
      ...localPackages(tarballs, ["core", "testing"]),
    },
    "src/acme.ts": ACME_TS,
    "src/server.ts": ACME_SERVER_TS,
    "tsconfig.json": {
      compilerOptions: { ...COMPILER, module: "nodenext", moduleResolution: "nodenext", outDir: "dist" },
      include: ["src"],
    },
  });
  npmInstall(dir, ["zod@^3.25.76"]);
  npmInstall(dir, ["--save-dev", "typescript@^5.9", "@types/node@^20"]);
  const zod = JSON.parse(readFileSync(path.join(dir, "node_modules", "zod", "package.json"), "utf8"));
  if (!zod.version.startsWith("3.")) fail(`zod ${zod.version} was installed; this check needs zod 3`);
  expectNotIn(run("npm", ["ls", "--all"], { cwd: dir }).output, "invalid", "npm ls (zod 3 as core's peer)");
  run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: dir });
  step(
    `zod3-custom-provider: zod ${zod.version} is a valid peer; tsc compiles a zod 3 provider with typed payloads`,
  );
  const server = await start("node", ["dist/server.js"], {
    cwd: dir,
    env: { WEBHOOK_SECRET: SECRET },
    ready: /listening on (\d+)/,
  });
  try {
    const cli = path.join(dir, "node_modules", ".bin", "webhook-kit");
    const url = `http://127.0.0.1:${server.match[1]}/`;
    const send = (args, expect) =>
      run(cli, ["send", "--provider", "./dist/acme.js", "--secret", SECRET, "--url", url, ...args], {
        cwd: dir,
        expect,
      });
    expectIn(
      send([], 0).stdout,
      "handled: the receiver ran its handlers for order.paid",
      "send (zod 3 provider)",
    );
    const refused = send(["--set", 'total="forty-two"'], 1);
    expectIn(refused.stdout, "invalid_payload", "send with a total the zod 3 schema refuses");
    expectIn(refused.stdout, "total", "the refused field's path");
  } finally {
    stop(server.child);
  }
  step(
    "zod3-custom-provider: the CLI sends through --provider ./dist/acme.js; valid → handled, invalid → 400 with its path",
  );
}

// ---------------------------------------------------------------------------------------------------------
// 6. Durable, as the README shows it: `@webhook-kit/bullmq` installed with the README's own line, a receiver
//    process and a worker process on Redis, a handler that fails until fixed → a dead letter, listed and
//    replayed with the packed CLI; a wrong --queue exits non-zero naming the queue that exists.

/** The README's install line for @webhook-kit/bullmq, as a user copies it (comment dropped). */
function readmeBullmqInstall() {
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  const line = readme.split("\n").find((l) => /^npm install (.* )?@webhook-kit\/bullmq\b/.test(l));
  if (!line) fail("README.md has no `npm install … @webhook-kit/bullmq …` line");
  return line.replace(/#.*$/, "").trim().split(/\s+/).slice(2);
}

const DURABLE_DEFINITION = `import { existsSync } from "node:fs";
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, providers } from "@webhook-kit/core";

export const queue = new BullMQQueue({ connection: process.env.REDIS_URL, name: process.env.QUEUE });
export const receiver = createReceiver({ provider: providers.generic({ secret: process.env.WEBHOOK_SECRET }), queue });
receiver.on("user.created", (event) => console.log("handled", event.type, event.id), { id: "log-user" });
receiver.on("user.deleted", (event) => {
  // Broken until the file is removed: the "fix" deployed before the replay.
  if (existsSync(process.env.BROKEN_FLAG)) throw new Error("crm answered 502");
  console.log("handled", event.type, event.id, "attempt", event.attempt);
}, { id: "notify-crm" });
`;

const DURABLE_RECEIVER = `import http from "node:http";
import { createNodeHandler } from "@webhook-kit/core/node";
import { receiver } from "./webhooks.mjs";

const server = http.createServer(createNodeHandler(receiver));
server.listen(0, "127.0.0.1", () => console.log("listening on " + server.address().port));
`;

const DURABLE_WORKER = `import { queue, receiver } from "./webhooks.mjs";

const worker = receiver.work({ concurrency: 2, attempts: 2, backoff: { delayMs: 50, maxDelayMs: 100 } });
console.log("worker started");
process.once("SIGTERM", async () => {
  await worker.close();
  await queue.close();
  process.exit(0);
});
`;

async function durableProject(tarballs) {
  const dir = path.join(scratch, "durable-bullmq");
  writeFiles(dir, {
    "package.json": {
      name: "first-hour-durable",
      private: true,
      type: "module",
      ...localPackages(tarballs, ["core", "testing"]),
    },
    "webhooks.mjs": DURABLE_DEFINITION,
    "receiver.mjs": DURABLE_RECEIVER,
    "worker.mjs": DURABLE_WORKER,
    "broken.flag": "",
  });
  npmInstall(dir);
  // The README's line, with our packed tarball standing in for the registry's @webhook-kit/*.
  const readmeArgs = readmeBullmqInstall();
  const args = readmeArgs.map((a) => (a.startsWith("@webhook-kit/") ? (tarballs[a.slice(13)] ?? a) : a));
  if (!readmeArgs.includes("@webhook-kit/bullmq"))
    fail(`README install line lacks @webhook-kit/bullmq: ${readmeArgs}`);
  npmInstall(dir, args);
  step(`durable-bullmq: npm install ${readmeArgs.join(" ")} (the README's line)`);

  let port = 6379;
  let redis;
  if (!(await pingRedis(port))) {
    port = await freePort();
    redis = await start(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      { cwd: dir, ready: /Ready to accept connections/ },
    );
  }
  const redisUrl = `redis://127.0.0.1:${port}`;
  const queueName = `first-hour-${process.pid}`;
  const env = {
    REDIS_URL: redisUrl,
    QUEUE: queueName,
    WEBHOOK_SECRET: SECRET,
    BROKEN_FLAG: path.join(dir, "broken.flag"),
  };
  const cli = path.join(dir, "node_modules", ".bin", "webhook-kit");
  const server = await start("node", ["receiver.mjs"], { cwd: dir, env, ready: /listening on (\d+)/ });
  const worker = await start("node", ["worker.mjs"], { cwd: dir, env, ready: /worker started/ });
  const queueArgs = ["--redis", redisUrl, "--queue", queueName];
  try {
    const url = `http://127.0.0.1:${server.match[1]}/`;
    const send = (event) =>
      run(cli, ["send", "--provider", "generic", "--secret", SECRET, "--url", url, "--event", event], {
        cwd: dir,
      });
    expectIn(send("user.created").stdout, "queued (202)", "send to a receiver with a BullMQQueue");
    await until(
      "the worker to run user.created",
      () => /handled user\.created/.test(worker.log.text),
      () => worker.log.text,
    );
    step("durable-bullmq: receiver answers 202 queued; the worker process runs the handler");

    expectIn(send("user.deleted").stdout, "queued (202)", "send user.deleted");
    let list;
    await until(
      "the failing delivery to become a dead letter",
      () => {
        list = run(cli, ["dead-letters", "list", ...queueArgs], { cwd: dir });
        return list.stdout.includes("1 dead letter in");
      },
      () => `${list?.output ?? ""}\n${worker.log.text}`,
    );
    expectIn(list.stdout, "user.deleted", "dead-letters list");
    expectIn(list.stdout, "crm answered 502", "dead-letters list: the last error");
    // The worker's log: one line per failed attempt, one report for the dead letter.
    // (spawnSync above held this process's event loop: the worker's output is read from here on.)
    await until(
      "the worker's report of the dead letter",
      () => /Gave up after 2 attempt\(s\)/.test(worker.log.text),
      () => worker.log.text,
    );
    expectIn(worker.log.text, "attempt 1 of 2 failed, retried in", "worker log: one line per failed attempt");
    expectNotIn(worker.log.text, "AggregateError", "worker log");
    expectNotIn(
      worker.log.text,
      "delivery parked as a dead letter",
      "worker log: one report per dead letter",
    );
    const key = /key {4}(\S+)/.exec(list.stdout)?.[1];
    if (!key) fail("dead-letters list printed no key", list.stdout);
    step(
      "durable-bullmq: a handler failing twice is a dead letter; `webhook-kit dead-letters list` shows it",
    );

    rmSync(env.BROKEN_FLAG); // the fix
    expectIn(
      run(cli, ["dead-letters", "replay", key, ...queueArgs], { cwd: dir }).stdout,
      `replayed ${key}`,
      "replay",
    );
    await until(
      "the replayed delivery to run",
      () => /handled user\.deleted/.test(worker.log.text),
      () => worker.log.text,
    );
    expectIn(
      run(cli, ["dead-letters", "list", ...queueArgs], { cwd: dir }).stdout,
      "no dead letters",
      "list after replay",
    );
    step("durable-bullmq: after the fix, `dead-letters replay` runs it; the list is empty");

    const typo = run(cli, ["dead-letters", "list", "--redis", redisUrl, "--queue", `${queueName}-typo`], {
      cwd: dir,
      expect: 2,
    });
    expectIn(typo.stderr, `no queue "${queueName}-typo"`, "dead-letters with a wrong --queue");
    expectIn(typo.stderr, queueName, "the queues that do exist");
    run(cli, ["queue", "status", "--redis", redisUrl, "--queue", `${queueName}-typo`], {
      cwd: dir,
      expect: 2,
    });
    step("durable-bullmq: a wrong --queue exits 2 and names the queue that exists");

    // A project without the Redis driver: the CLI says what to install, like the missing-bullmq case.
    // @webhook-kit/redis (the README's line) brings ioredis too: both go, unsaved, and come back after.
    run(
      "npm",
      [
        "uninstall",
        "--no-save",
        "--no-audit",
        "--no-fund",
        "--loglevel=error",
        "ioredis",
        "@webhook-kit/redis",
      ],
      { cwd: dir },
    );
    const noDriver = run(cli, ["dead-letters", "list", ...queueArgs], { cwd: dir, expect: 1 });
    expectIn(
      noDriver.stderr,
      "npm install @webhook-kit/bullmq bullmq ioredis",
      "dead-letters without ioredis",
    );
    expectNotIn(noDriver.stderr, "no answer from redis", "dead-letters without ioredis: not an outage");
    npmInstall(dir, []);
    step("durable-bullmq: without ioredis, dead-letters prints the npm install line");
  } finally {
    stop(server.child);
    stop(worker.child);
    // Leave nothing behind in a shared Redis.
    run(
      "node",
      [
        "--input-type=module",
        "-e",
        `import { Queue } from "bullmq"; const q = new Queue(${JSON.stringify(queueName)}, { connection: { url: ${JSON.stringify(redisUrl)} } }); await q.obliterate({ force: true }); await q.close();`,
      ],
      { cwd: dir, expect: undefined },
    );
    if (redis) stop(redis.child);
  }
}

// ---------------------------------------------------------------------------------------------------------

async function main() {
  step(`scratch projects in ${scratch}`);
  const tarballs = pack();
  const expressDir = await expressProject(tarballs);
  await cjsNode10Project(expressDir);
  await ioredis6Project(tarballs, expressDir);
  await zod3CustomProvider(tarballs);
  await durableProject(tarballs);
  step("PASSED: the first hour works from the packed tarballs");
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  console.error(
    `\nFIRST HOUR FAILED after ${((Date.now() - started) / 1000).toFixed(1)} s: ${error instanceof Failure ? error.message : (error?.stack ?? error)}`,
  );
  console.error(`(scratch projects kept in ${scratch} for a look)`);
} finally {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
  if (exitCode === 0) rmSync(scratch, { recursive: true, force: true });
}
process.exit(exitCode);
