// Express and node:http: the kit vs a bare server with a hand-written verify, same run (alternating rounds,
// lib.mjs `measureGroup`), same bodies.
import { fileURLToPath } from "node:url";
import { eulabelDeliveries, measureGroup, printCpu, printTable } from "./lib.mjs";

const SECRET = "bench_secret";
const deliveries = await eulabelDeliveries(SECRET);

const script = fileURLToPath(new URL("./core-servers.mjs", import.meta.url));
const group = (...kinds) => measureGroup(script, kinds, deliveries, { BENCH_SECRET: SECRET });

const [expressBare, expressKit] = await group("express-bare", "express-kit");
const [nodeBare, sameWork, nodeKit] = await group("node-bare", "node-same-work", "node-kit");
const expressBaseline = "express bare (express.raw + hand verify)";
const nodeBaseline = "node:http bare (verify + JSON.parse)";
const sameWorkBaseline = "node:http same work by hand (verify + parse + zod + dedupe)";
const rows = [
  { name: expressBaseline, ...expressBare },
  { name: "express webhookMiddleware", baseline: expressBaseline, target: 0.9, ...expressKit },
  { name: nodeBaseline, ...nodeBare },
  { name: "node:http receiver.handle()", baseline: nodeBaseline, target: 0.9, ...nodeKit },
  // The bare rows skip schema validation and dedupe; this pair compares the kit with the same work by hand.
  { name: sameWorkBaseline, ...sameWork },
  { name: "node:http receiver.handle() (vs same work)", baseline: sameWorkBaseline, ...nodeKit },
];
printTable("Express and node:http — kit vs bare (same run)", rows);
printCpu(rows);
