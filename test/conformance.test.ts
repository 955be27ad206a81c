import {
  describeAdapterRows,
  describeReceiverConformance,
  inProcessTarget,
} from "@webhook-kit/testing/conformance";
import { adapters } from "./conformance/adapters.js";

// Adapters in this process: the receiver contract's rows, then the adapter rows. The contract's rows run
// against real `next start` in next-conformance.slow.test.ts.
// CONFORMANCE_ADAPTERS=node:http,fetch narrows a run to some adapters (pnpm mutation does, to save time).
const only = process.env.CONFORMANCE_ADAPTERS?.split(",");
for (const adapter of adapters) {
  if (only && !only.includes(adapter.name)) continue;
  const target = inProcessTarget(adapter);
  describeReceiverConformance(target);
  describeAdapterRows(target);
}
