// Same-run comparison of any servers of octokit.bench.mjs, in alternating rounds (CPU counted within rounds):
//   node bench/ab.mjs kit kit-before bare      (BENCH_BEFORE=<a core dist folder> for kit-before)
// Prints req/s, p50/p90/p99 and CPU µs per delivery per kind, each as a ratio to the first kind.
import { fileURLToPath } from "node:url";
import { measureGroup, paddedPushes, printTable } from "./lib.mjs";

const kinds = process.argv.slice(2);
if (kinds.length === 0) {
  console.error("usage: node bench/ab.mjs <kind> [<kind>…]   (kinds of octokit.bench.mjs)");
  process.exit(2);
}
const traffic = paddedPushes("bench_github_secret", 20_000);
const script = fileURLToPath(new URL("./octokit.bench.mjs", import.meta.url));
// BENCH_RATE: a fixed offered load (req/s), for latency at the same load instead of at saturation.
const rate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
const results = await measureGroup(script, kinds, traffic, {}, { freshId: "x-github-delivery", rate });
const rows = kinds.map((name, i) => ({ name, ...(i > 0 && { baseline: kinds[0] }), ...results[i] }));
printTable(`A/B: ${kinds.join(" vs ")}${rate ? ` at ${rate} req/s offered` : ""}`, rows);
// Round by round (adjacent in time), the first kind's CPU ÷ each kind's: the median and the middle half.
const quartiles = (values) => {
  const v = [...values].sort((a, b) => a - b);
  const at = (q) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return [at(0.25), at(0.5), at(0.75)].map((x) => x.toFixed(3));
};
for (const r of rows) {
  const paired = r.cpuRounds.map((us, k) => rows[0].cpuRounds[k] / us);
  const [q1, median, q3] = quartiles(paired);
  console.log(
    `${r.name}: ${r.cpuUs.toFixed(1)} µs CPU; first ÷ this, paired rounds: median ${median} (middle half ${q1}–${q3})`,
  );
}
// BENCH_SERVER_TIMES=1: round by round, p99 inside each server and its event loop's p99 delay.
for (const r of rows.filter((row) => row.insideRounds)) {
  const rounds = r.insideRounds.map(
    ({ serverMs, loopDelayMs }) => `${serverMs.p99.toFixed(2)}/${loopDelayMs.p99.toFixed(2)}`,
  );
  console.log(
    `${r.name}: per round, p99 ms inside the server / event-loop delay p99 ms: ${rounds.join(" ")}`,
  );
}
