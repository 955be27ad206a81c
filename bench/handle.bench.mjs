// In-process cost of one delivery: receiver.handle() on distinct signed EUlabel events (no HTTP), and the
// schema step alone — zod's own safeParse vs the Standard Schema `~standard.validate` the receiver calls —
// so the validator indirection is measured side by side in one run. Uses the built dist: `pnpm build` first.
import { createReceiver, eulabelEvents, providers, utf8Bytes } from "@webhook-kit/core";
import { eulabelDeliveries, recordResults } from "./lib.mjs";

const SECRET = "bench_secret";
const COUNT = Number(process.env.BENCH_HANDLE_BODIES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

const deliveries = (await eulabelDeliveries(SECRET, COUNT)).map((d) => ({
  method: "POST",
  headers: d.headers,
  rawBody: utf8Bytes(d.body),
  remoteAddress: "127.0.0.1",
}));
const bodies = deliveries.map((d) => JSON.parse(new TextDecoder().decode(d.rawBody)));
const schema = eulabelEvents["passport.enriched"];

/** CPU time (user + system) since `start`, in µs: steadier than wall time on a shared machine. */
const cpuMicros = (start) => {
  const used = process.cpuUsage(start);
  return used.user + used.system;
};

/**
 * Over ROUNDS rounds of `calls` calls of `run(i)`: CPU µs per call (`cpuUs`, median round), and each call's
 * wall time, p50/p90/p99 over every call of every round (in ms, as `recordResults` keeps latencies).
 */
async function perCall(calls, run) {
  const samples = [];
  const times = new Float64Array(calls * ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await run(i, round);
      times[round * calls + i] = performance.now() - t0;
    }
    samples.push(cpuMicros(start) / calls);
  }
  samples.sort((a, b) => a - b);
  times.sort();
  const at = (p) => Number(times[Math.min(times.length - 1, Math.floor(times.length * p))].toFixed(4));
  return { cpuUs: samples[Math.floor(samples.length / 2)], p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

/** A fresh receiver per round, so every delivery is new to its store (dedupe never short-circuits). */
const receivers = Array.from({ length: ROUNDS }, () => {
  const receiver = createReceiver({ provider: providers.eulabel({ secret: SECRET }) });
  receiver.on("*", () => {});
  return receiver;
});
const handle = await perCall(COUNT, async (i, round) => {
  const response = await receivers[round].handle(deliveries[i]);
  if (response.status !== 200) throw new Error(`unexpected ${response.status}: ${response.body}`);
});
const syncRun = (fn) => perCall(COUNT, (i) => fn(bodies[i]));
const safeParse = await syncRun((body) => {
  if (!schema.safeParse(body).success) throw new Error("invalid");
});
const standard = await syncRun((body) => {
  if (schema["~standard"].validate(body).issues) throw new Error("invalid");
});

const handleName = "receiver.handle() (verify + parse + schema + dedupe + route)";
const safeParseName = "zod safeParse (schema step by hand)";
const rows = [
  { name: handleName, ...handle },
  { name: safeParseName, ...safeParse },
  {
    name: "Standard Schema ~standard.validate (what the receiver calls)",
    baseline: safeParseName,
    ...standard,
  },
];
const us = (ms) => (ms * 1000).toFixed(2);
console.log(
  `\n### One delivery in-process (${COUNT} distinct bodies, ${ROUNDS} rounds; CPU: median round; p50/p90/p99: wall time of every call)\n`,
);
console.log("| row | p50 µs | p90 µs | p99 µs | CPU µs/call | CPU ratio |");
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) {
  const ratio =
    row.name === safeParseName
      ? "1.00 (baseline)"
      : row.baseline
        ? (row.cpuUs / safeParse.cpuUs).toFixed(2)
        : "";
  console.log(
    `| ${row.name} | ${us(row.p50)} | ${us(row.p90)} | ${us(row.p99)} | ${row.cpuUs.toFixed(2)} | ${ratio} |`,
  );
}
// No HTTP, so no req/s: rps and ratio are null in the result file; p50/p90/p99 are ms, cpuUs µs per call.
recordResults(
  "One delivery in-process, per call (no HTTP: p50/p90/p99 wall time per call in ms, cpuUs CPU µs per call)",
  rows,
);
