import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

// The tests StrykerJS runs against each mutant of core (see stryker.config.mjs): the ones that exercise
// core's sources in-process. Tests of the built dist in subprocesses (examples, CLI, Next builds, the
// multi-process and soak runs) cannot see a mutant of src, so they stay out. Every mutant of the receiver is
// covered by hundreds of tests, so the conformance rows run through the two core paths only (node:http for
// core/node, fetch for readWebBody; the other adapters only convert) and property tests run 150 cases.
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: [
        "test/core/**/*.test.ts",
        "test/providers/**/*.test.ts",
        "test/adapters/**/*.test.ts",
        "test/hardening/**/*.test.ts",
        "test/conformance.test.ts",
        "test/store.conformance.test.ts",
        "test/testing.test.ts",
      ],
      exclude: ["**/*.slow.test.ts", "test/adapters/examples.test.ts", "test/hardening/soak.test.ts"],
      typecheck: { enabled: false },
      env: { CONFORMANCE_ADAPTERS: "node:http,fetch", FC_RUNS: "150" },
    },
  }),
);
