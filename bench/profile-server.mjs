// One server of octokit.bench.mjs under the same load, optionally profiled, for finding where time goes:
//   node bench/profile-server.mjs <kind> [seconds] [profile-dir]
// e.g. `node bench/profile-server.mjs kit 6 /tmp/prof` writes a .cpuprofile (open it in Chrome DevTools).
// Kinds are those of octokit.bench.mjs (bare, octokit, kit, fastify-kit, …). Uses the built dist.
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { measure, paddedPushes, pinnedFork, warmup } from "./lib.mjs";

const [kind = "kit", seconds = "6", dir] = process.argv.slice(2);
const SECRET = "bench_github_secret";

// ≈ 1.1 KB bodies, distinct per request, each with a fresh delivery id: the new-event path every time.
const traffic = paddedPushes(SECRET, 50_000);

const script = fileURLToPath(new URL("./octokit.bench.mjs", import.meta.url));
// BENCH_NODE_FLAGS adds server flags, e.g. "--trace-gc" for a GC trace under the same load.
const extra = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const execArgv = [...(dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : []), ...extra];
const child = pinnedFork(script, ["serve", kind], {
  execArgv,
  stdio: ["ignore", "inherit", "inherit", "ipc"],
});
const [{ port }] = await once(child, "message");
const url = `http://127.0.0.1:${port}/hook`;
const freshId = "x-github-delivery";
// BENCH_RATE: a fixed offered load (req/s) instead of as fast as the server answers.
const rate = process.env.BENCH_RATE ? Number(process.env.BENCH_RATE) : undefined;
await measure(url, traffic, { ...warmup(rate), freshId }); // BENCH_WARMUP (lib.mjs `warmup`)
child.send("reset");
await once(child, "message");
const result = await measure(url, traffic, { duration: Number(seconds), freshId, rate });
child.send("cpu");
const [{ usPerRequest, serverMs, loopDelayMs }] = await once(child, "message");
console.log(
  `${kind}: ${Math.round(result.rps)} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.bad} non-2xx, ${usPerRequest.toFixed(1)} µs CPU per request`,
);
if (serverMs) {
  const ms = (x) => x.toFixed(2);
  console.log(
    `  inside the server: p50 ${ms(serverMs.p50)} ms, p99 ${ms(serverMs.p99)} ms, max ${ms(serverMs.max)} ms; event-loop delay p99 ${ms(loopDelayMs.p99)} ms, max ${ms(loopDelayMs.max)} ms`,
  );
}
child.kill("SIGINT"); // a clean exit writes the profile
await once(child, "exit");
