// One implementation, shipped with the conformance suites (@webhook-kit/testing/conformance).
export { type FloodOutcome, floodUntilAnswered } from "../../packages/testing/src/conformance/flood.js";
