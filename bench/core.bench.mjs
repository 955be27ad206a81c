// Express and node:http: the kit vs a bare server with a hand-written verify, same run, same bodies.
import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { measure, printTable, startChild } from "./lib.mjs";

const SECRET = "bench_secret";
const COUNT = Number(process.env.BENCH_BODIES ?? 200_000);
const eulabel = providers.eulabel({ secret: SECRET });

// Distinct events, so dedupe never short-circuits the kit's rows.
const deliveries = [];
for (let i = 0; i < COUNT; i++) {
  const body = JSON.stringify({
    event: "passport.enriched",
    id: "ps_w9x2kf",
    gtin: "05601234567890",
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    compliance: {
      status: "incomplete",
      regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
      completeness: i % 100,
      missingFields: [{ field: "data.origin", message: "Country of origin is required for wine e-labels." }],
      documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
    },
    passportUrl: "https://eulabel.eu/01/05601234567890",
  });
  const { headers } = await sign(eulabel, body);
  deliveries.push({ body, headers: { "content-type": "application/json", ...headers } });
}

const script = fileURLToPath(new URL("./core-servers.mjs", import.meta.url));
async function row(kind) {
  const child = await startChild(script, [kind], { BENCH_SECRET: SECRET });
  try {
    await measure(`http://127.0.0.1:${child.port}/hook`, deliveries, { duration: 1 }); // warm-up
    return await measure(`http://127.0.0.1:${child.port}/hook`, deliveries);
  } finally {
    await child.stop();
  }
}

const rows = [
  { name: "express bare (express.raw + hand verify)", ...(await row("express-bare")) },
  {
    name: "express webhookMiddleware",
    baseline: "express bare (express.raw + hand verify)",
    target: 0.9,
    ...(await row("express-kit")),
  },
  { name: "node:http bare (verify + JSON.parse)", ...(await row("node-bare")) },
  {
    name: "node:http receiver.handle()",
    baseline: "node:http bare (verify + JSON.parse)",
    target: 0.9,
    ...(await row("node-kit")),
  },
  // The bare rows skip schema validation and dedupe; this pair compares the kit with the same work by hand.
  { name: "node:http same work by hand (verify + parse + zod + dedupe)", ...(await row("node-same-work")) },
  {
    name: "node:http receiver.handle() (again, vs same work)",
    baseline: "node:http same work by hand (verify + parse + zod + dedupe)",
    ...(await row("node-kit")),
  },
];
printTable("Express and node:http — kit vs bare (same run)", rows);
