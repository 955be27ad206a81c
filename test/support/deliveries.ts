// One implementation, shipped with the conformance suites (@webhook-kit/testing/conformance).
export * from "../../packages/testing/src/conformance/deliveries.js";
