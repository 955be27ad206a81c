// Express and node:http: the kit vs a bare server with a hand-written verify, same run, same bodies.
import { fileURLToPath } from "node:url";
import { eulabelDeliveries, measure, printTable, startChild } from "./lib.mjs";

const SECRET = "bench_secret";
const deliveries = await eulabelDeliveries(SECRET);

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
