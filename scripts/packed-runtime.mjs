#!/usr/bin/env node
// The packages as users get them, on every supported Node major: `pnpm pack` each package, install the
// tarballs with npm in a scratch folder outside the workspace (so nothing resolves to the workspace's
// node_modules), then on Node 20, 22 and 24 `require()` and `import` every export path, check the names
// the README promises, and verify one signed delivery end to end from each module system.
//
//   node scripts/packed-runtime.mjs              # after `pnpm build`
//   PACKED_NODES="22" node scripts/packed-runtime.mjs
//
// Node majors other than the running one come from npm (`npx -y node@22`), as in scripts/node-matrix.sh.
// Prints one line per check and "N passed, N failed" at the end; exits 1 on any failure.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const NODES = (process.env.PACKED_NODES ?? "20 22 24").split(/\s+/).filter(Boolean);

/** Names each package must export, whichever module system loads it. */
const EXPECTED = {
  "@webhook-kit/core": [
    "createReceiver",
    "providers",
    "defineProvider",
    "sign",
    "verify",
    "MemoryStore",
    "WebhookError",
  ],
  "@webhook-kit/core/node": ["createNodeHandler", "handleNodeRequest", "readNodeBody"],
  "@webhook-kit/express": ["webhookMiddleware", "keepRawBody"],
  "@webhook-kit/koa": ["webhookMiddleware"],
  "@webhook-kit/fastify": ["webhookPlugin"],
  "@webhook-kit/next": ["webhookRoute", "webhookApiRoute"],
  "@webhook-kit/redis": ["RedisStore", "createRedisClient"],
  "@webhook-kit/testing": ["signDelivery", "fixtures"],
};

/** Peers the packages load at run time (the frameworks themselves are only types to the adapters). */
const RUNTIME_PEERS = ["ioredis@^5.9.0", "zod@^4.1.0", "bullmq@^6.7.0", "pg@^8.16.0"];

const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString();
/** pnpm from PATH, else from npm (as .ci/run gets it). */
const pnpm = spawnSync("pnpm", ["--version"]).status === 0 ? ["pnpm"] : ["npx", "-y", "pnpm@10"];

// 1. Pack every package (each needs its dist: run `pnpm build` first).
const scratch = mkdtempSync(path.join(tmpdir(), "webhook-kit-packed-"));
const tarballs = path.join(scratch, "tarballs");
mkdirSync(tarballs);
const packages = readdirSync(path.join(ROOT, "packages")).map((dir) => path.join(ROOT, "packages", dir));
for (const dir of packages) run(pnpm[0], [...pnpm.slice(1), "pack", "--pack-destination", tarballs], dir);
const packed = readdirSync(tarballs).filter((f) => f.endsWith(".tgz"));
console.log(`packed ${packed.length} packages into ${tarballs}`);

// 2. Install the tarballs (and the runtime peers) with npm, as a user would, outside the workspace.
const app = path.join(scratch, "app");
mkdirSync(app);
writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "packed-check", private: true }));
run(
  "npm",
  [
    "install",
    "--no-audit",
    "--no-fund",
    "--legacy-peer-deps",
    ...packed.map((f) => path.join(tarballs, f)),
    ...RUNTIME_PEERS,
  ],
  app,
);

// 3. The check itself, once as CommonJS and once as ESM, in the scratch app.
const checkBody = (load) => `
const expected = ${JSON.stringify(EXPECTED)};
const results = [];
async function main() {
  for (const [name, names] of Object.entries(expected)) {
    try {
      const mod = ${load};
      const missing = names.filter((n) => mod[n] === undefined);
      results.push([name, missing.length === 0, missing.length ? "missing " + missing.join(", ") : ""]);
    } catch (error) {
      results.push([name, false, String(error && error.message).split("\\n")[0]]);
    }
  }
  try {
    const core = ${load.replaceAll("name", '"@webhook-kit/core"')};
    const provider = core.providers.eulabel({ secret: "packed-check-secret" });
    const receiver = core.createReceiver({ provider });
    let ran = 0;
    receiver.on("*", () => { ran += 1; });
    const body = JSON.stringify({ event: "passport.published", id: "ps_1", gtin: "05601234567890",
      timestamp: "2026-03-25T10:00:00Z", version: 1, passportUrl: "https://example.test/p",
      compliance: { status: "compliant", regulation: "r", completeness: 100, missingFields: [], documentationUrl: "https://example.test/d" } });
    const signed = await core.sign(provider, body);
    const res = await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
    results.push(["a signed delivery through createReceiver", res.status === 200 && ran === 1, res.status + " " + res.body]);
  } catch (error) {
    results.push(["a signed delivery through createReceiver", false, String(error && error.message)]);
  }
  console.log(JSON.stringify(results));
}
main();
`;
writeFileSync(path.join(app, "check.cjs"), checkBody("require(name)"));
writeFileSync(path.join(app, "check.mjs"), checkBody("await import(name)"));

// 4. Each Node major runs both.
let passed = 0;
let failed = 0;
for (const major of NODES) {
  const current = process.versions.node.split(".")[0] === major;
  const [cmd, prefix] = current ? [process.execPath, []] : ["npx", ["-y", `node@${major}`]];
  for (const file of ["check.cjs", "check.mjs"]) {
    const how = file.endsWith(".cjs") ? "require()" : "import";
    const out = spawnSync(cmd, [...prefix, file], { cwd: app, encoding: "utf8" });
    const version = spawnSync(cmd, [...prefix, "--version"], { cwd: app, encoding: "utf8" }).stdout.trim();
    let results;
    try {
      results = JSON.parse(out.stdout.trim().split("\n").at(-1) ?? "");
    } catch {
      results = [[`${file} (did not run)`, false, `${out.stderr}`.trim().split("\n").slice(-3).join(" | ")]];
    }
    for (const [name, ok, detail] of results) {
      if (ok) passed += 1;
      else failed += 1;
      console.log(
        `${ok ? "ok  " : "FAIL"} node ${version || major} ${how} ${name}${detail && !ok ? `: ${detail}` : ""}`,
      );
    }
  }
}

if (!process.env.PACKED_KEEP) rmSync(scratch, { recursive: true, force: true });
else console.log(`scratch folder kept: ${scratch}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
