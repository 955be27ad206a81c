import { adapters } from "./conformance/adapters.js";
import { describeReceiverConformance } from "./conformance/receiver-suite.js";

for (const adapter of adapters) describeReceiverConformance(adapter);
