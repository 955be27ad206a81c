// One implementation, shipped with the conformance suites (@webhook-kit/testing/conformance).
export { type HttpResult, send } from "../../packages/testing/src/conformance/http.js";
