// `pnpm bench`: runs every bench/*.bench.mjs in turn, each in its own process.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const only = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.mjs") && (!only || f.includes(only)))
  .sort();
// One machine-readable result file for the whole run (see lib.mjs `recordResults`, bench/compare.mjs).
const results =
  process.env.BENCH_RESULTS ?? `${dir}results/${new Date().toISOString().replaceAll(":", "-")}.json`;
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}`);
  const result = spawnSync(process.execPath, [`${dir}${file}`], {
    stdio: "inherit",
    env: { ...process.env, BENCH_RESULTS: results },
  });
  if (result.status !== 0) failed += 1;
}
console.log(`\nResults: ${results} (compare runs: node bench/compare.mjs <file>…)`);
process.exit(failed ? 1 : 0);
