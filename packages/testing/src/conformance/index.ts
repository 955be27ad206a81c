// @webhook-kit/testing/conformance: the suites webhook-kit's own stores, queues and adapters pass, for
// yours. It imports vitest (an optional peer dependency); the main @webhook-kit/testing entry never does.
export {
  type AdapterUnderTest,
  type BeforeWebhook,
  describeAdapterConformance,
  listen,
  type RunningAdapter,
} from "./adapter.js";
export { describeAdapterRows } from "./adapter-suite.js";
export { SECRET as CONFORMANCE_SECRET } from "./deliveries.js";
export { delivery as sampleDelivery, describeQueueConformance, type QueueHarness } from "./queue-suite.js";
export { describeReceiverConformance } from "./receiver-suite.js";
export {
  CONTROL_HEADER,
  createScenario,
  SCENARIOS,
  type Scenario,
  type ScenarioControl,
  type ScenarioName,
  scenarioRegistry,
} from "./scenarios.js";
export { describeStoreConformance, type StoreHarness } from "./store-suite.js";
export {
  type ConformanceTarget,
  inProcess as inProcessTarget,
  remote as remoteTarget,
  type ScenarioTarget,
} from "./targets.js";
