import { adapters } from "./conformance/adapters.js";
import { describeReceiverConformance } from "./conformance/receiver-suite.js";
import { inProcess } from "./conformance/targets.js";

// Adapters in this process. The same rows run against real `next start` in next-conformance.slow.test.ts.
for (const adapter of adapters) describeReceiverConformance(inProcess(adapter));
