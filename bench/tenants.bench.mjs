// Issue #22's cost of secrets per endpoint: the EUlabel receiver with 1 000 endpoint secrets behind an async
// lookup (a vault answering on the next turn of the event loop; tenant from the X-Tenant header, warm LRU
// cache) against the same receiver with one static secret (target ≥ 0.95), inline dispatch, MemoryStore,
// rows measured in alternating rounds (lib.mjs `measureGroup`), with a control row (the static receiver
// again) that shows how far identical rows differ on this machine in this run. Each row gets distinct deliveries signed
// with the secret it verifies: the tenant row's are spread over the 1 000 endpoints, each with its own.
// Uses the BUILT dist: `pnpm build` first.
//   node bench/tenants.bench.mjs
// Env: BENCH_DURATION (s per row, default 5), BENCH_ROUNDS (5), BENCH_CONNECTIONS (50), BENCH_BODIES (50 000).
import http from "node:http";
import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { measureGroup, printCpu, printTable, serveWithCpu } from "./lib.mjs";

const SECRET = "bench-static-secret";
const ENDPOINTS = 1_000;
const secretOf = (tenant) => `bench-secret-of-${tenant}`;
const self = fileURLToPath(import.meta.url);

if (process.argv[2] === "serve") await serve(process.argv[3]);
else await main();

async function serve(kind) {
  const { createReceiver } = await import("@webhook-kit/core");
  const { createNodeHandler } = await import("@webhook-kit/core/node");
  const vault = new Map();
  for (let i = 0; i < ENDPOINTS; i++) vault.set(`t${i}`, secretOf(`t${i}`));
  const receiver =
    kind === "static"
      ? createReceiver({ provider: providers.eulabel({ secret: SECRET }), logger: false })
      : createReceiver({
          provider: providers.eulabel({
            secret: ({ tenant }) => new Promise((resolve) => setImmediate(() => resolve(vault.get(tenant)))),
          }),
          tenant: ({ headers }) => headers["x-tenant"],
          logger: false,
        });
  receiver.on("passport.enriched", () => {});
  const server = http.createServer(createNodeHandler(receiver));
  server.keepAliveTimeout = 60_000;
  server.listen(0, "127.0.0.1", () => serveWithCpu(server));
}

/** `count` distinct passport events; with `tenants`, spread over the endpoints, each signed with its own. */
async function deliveries(count, tenants) {
  const signers = new Map();
  const out = [];
  for (let i = 0; i < count; i++) {
    const secret = tenants ? secretOf(`t${i % ENDPOINTS}`) : SECRET;
    if (!signers.has(secret)) signers.set(secret, providers.eulabel({ secret }));
    const body = JSON.stringify({
      event: "passport.enriched",
      id: "ps_w9x2kf",
      gtin: "05601234567890",
      timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
      compliance: {
        status: "incomplete",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: i % 100,
        missingFields: [],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      passportUrl: "https://eulabel.eu/01/05601234567890",
    });
    const { headers } = await sign(signers.get(secret), body);
    // Both rows carry the header (senders name the endpoint either way); only the tenant row reads it.
    const sent = { "content-type": "application/json", ...headers, "x-tenant": `t${i % ENDPOINTS}` };
    out.push({ body, headers: sent });
  }
  return out;
}

async function main() {
  const count = Number(process.env.BENCH_BODIES ?? 50_000);
  const pools = [await deliveries(count, false), await deliveries(count, true)];
  // A second static row is the control: how far two identical rows differ on this machine, this run.
  const [fixed, control, looked] = await measureGroup(
    self,
    ["static", "static", "tenants"],
    [pools[0], pools[0], pools[1]],
  );
  const baseline = "EUlabel, one static secret";
  const rows = [
    { name: baseline, ...fixed },
    { name: "control: the same static receiver again", baseline, ...control },
    {
      name: `EUlabel, ${ENDPOINTS} endpoint secrets, async lookup, warm cache`,
      baseline,
      target: 0.95,
      ...looked,
    },
  ];
  printTable("Secrets per endpoint (inline, MemoryStore)", rows);
  printCpu(rows);
}
