import { defineConfig, mergeConfig } from "vitest/config";
import base from "./vitest.config.js";

// The tests StrykerJS runs against each mutant of core (see stryker.config.mjs): the ones that exercise
// core's sources in-process. Tests of the built dist in subprocesses (examples, CLI, Next builds, the
// multi-process and soak runs) and the Redis-backed ones cannot see a mutant of src, so they stay out.
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
    },
  }),
);
