// Shared benchmark plumbing: servers run in a child process (so client and server do not share an event
// loop), autocannon drives them from this one, every row in the same run, reported as ratios.
import { fork } from "node:child_process";
import { once } from "node:events";
import { providers, sign } from "@webhook-kit/core";
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

/**
 * `count` distinct EUlabel passport events, signed as EUlabel sends them: distinct so that dedupe never
 * short-circuits a kit row.
 */
export async function eulabelDeliveries(secret, count = Number(process.env.BENCH_BODIES ?? 200_000)) {
  const eulabel = providers.eulabel({ secret });
  const deliveries = [];
  for (let i = 0; i < count; i++) {
    const body = JSON.stringify({
      event: "passport.enriched",
      id: "ps_w9x2kf",
      gtin: "05601234567890",
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      compliance: {
        status: "incomplete",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: i % 100,
        missingFields: [
          { field: "data.origin", message: "Country of origin is required for wine e-labels." },
        ],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      passportUrl: "https://eulabel.eu/01/05601234567890",
    });
    const { headers } = await sign(eulabel, body);
    deliveries.push({ body, headers: { "content-type": "application/json", ...headers } });
  }
  return deliveries;
}
