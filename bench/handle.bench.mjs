// In-process cost of one delivery: receiver.handle() on distinct signed EUlabel events (no HTTP), and the
// schema step alone — zod's own safeParse vs the Standard Schema `~standard.validate` the receiver calls —
// so the validator indirection is measured side by side in one run. Uses the built dist: `pnpm build` first.
import { createReceiver, eulabelEvents, providers, utf8Bytes } from "@webhook-kit/core";
import { eulabelDeliveries } from "./lib.mjs";

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

/** CPU µs per call over `calls` calls of `run(i)`, median of ROUNDS rounds. */
async function perCall(calls, run) {
  const samples = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await run(i, round);
    samples.push(cpuMicros(start) / calls);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
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

console.log(`\n### One delivery in-process (${COUNT} distinct bodies, median of ${ROUNDS} rounds)\n`);
console.log("| row | CPU µs/call | ratio |");
console.log("| --- | ---: | ---: |");
console.log(`| receiver.handle() (verify + parse + schema + dedupe + route) | ${handle.toFixed(2)} | |`);
console.log(`| zod safeParse (schema step by hand) | ${safeParse.toFixed(2)} | 1.00 (baseline) |`);
console.log(
  `| Standard Schema ~standard.validate (what the receiver calls) | ${standard.toFixed(2)} | ${(standard / safeParse).toFixed(2)} |`,
);
