// Shared benchmark plumbing: servers run in a child process (so client and server do not share an event
// loop), autocannon drives them from this one, every row in the same run, reported as ratios.
import { fork } from "node:child_process";
import { once } from "node:events";
import autocannon from "autocannon";

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 5);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);

/** Forks `script` with `args`; the child sends `{ port }` once it listens. */
export async function startChild(script, args = [], env = {}) {
  const child = fork(script, args, {
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    env: { ...process.env, ...env },
  });
  const [message] = await once(child, "message");
  return {
    port: message.port,
    stop: async () => {
      child.kill();
      await once(child, "exit");
    },
  };
}

/** Drives `url` with a rotating set of pre-built requests ({ headers, body }) for DURATION_S. */
export async function measure(url, deliveries, { duration = DURATION_S } = {}) {
  let next = 0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          const d = deliveries[next++ % deliveries.length];
          return { ...req, headers: d.headers, body: d.body };
        },
      },
    ],
  });
  const bad = result.non2xx + result.errors + result.timeouts;
  return { rps: result.requests.average, p99: result.latency.p99, total: result.requests.total, bad };
}

/** Prints rows as a markdown table with each row's ratio to its named baseline. */
export function printTable(title, rows) {
  console.log(`\n### ${title}\n`);
  console.log("| row | req/s | p99 ms | non-2xx | ratio | target |");
  console.log("| --- | ---: | ---: | ---: | ---: | --- |");
  for (const row of rows) {
    const base = rows.find((r) => r.name === row.baseline);
    const ratio = base ? (row.rps / base.rps).toFixed(2) : "1.00 (baseline)";
    const verdict =
      base && row.target ? `≥ ${row.target} ${row.rps / base.rps >= row.target ? "met" : "MISSED"}` : "";
    console.log(`| ${row.name} | ${Math.round(row.rps)} | ${row.p99} | ${row.bad} | ${ratio} | ${verdict} |`);
  }
}
