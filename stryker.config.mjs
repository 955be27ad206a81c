// Mutation testing for @webhook-kit/core: `pnpm mutation` (slow; not part of `pnpm test` or CI).
// StrykerJS 9 (runs on Node 20; major 10 needs Node 22) with its vitest runner, one mutant at a time by
// default so it can share a small machine: raise with `pnpm mutation --concurrency 2`.
// Narrow a run with `pnpm mutation --mutate "packages/core/src/signature/**/*.ts"`.

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: { configFile: "vitest.mutation.config.ts", related: true },
  // All of core but the provider presets (data and thin wiring, covered by the vectors and preset tests).
  // Globs, not file names: receiver code split into new files (pipeline, dispatch, web/…) is still mutated.
  mutate: [
    "packages/core/src/**/*.ts",
    "!packages/core/src/providers/**",
    // …but the definition machinery beside them is core logic.
    "packages/core/src/providers/define.ts",
    "packages/core/src/providers/retention.ts",
    "!packages/core/src/index.ts",
    "!packages/core/src/**/*.d.ts",
  ],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  concurrency: 1,
  timeoutMS: 20_000,
  reporters: ["clear-text", "progress", "html", "json"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  // Kept out of the sandbox copy: other runs' sandboxes, reports, Next.js build output.
  ignorePatterns: [".stryker-tmp*", "reports", "**/.next"],
  cleanTempDir: "always",
  thresholds: { high: 90, low: 80, break: null },
};
