import { adapters } from "./conformance/adapters.js";
import { describeReceiverConformance } from "./conformance/receiver-suite.js";
import { inProcess } from "./conformance/targets.js";

// Adapters in this process. The same rows run against real `next start` in next-conformance.slow.test.ts.
// CONFORMANCE_ADAPTERS=node:http,fetch narrows a run to some adapters (pnpm mutation does, to save time).
const only = process.env.CONFORMANCE_ADAPTERS?.split(",");
for (const adapter of adapters) {
  if (!only || only.includes(adapter.name)) describeReceiverConformance(inProcess(adapter));
}
