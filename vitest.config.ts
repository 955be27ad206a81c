import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string, file = "index.ts") =>
  fileURLToPath(new URL(`./packages/${pkg}/src/${file}`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the sources; subprocess tests (examples, CLI, multi-process) use the built dist.
    alias: [
      { find: /^@webhook-kit\/core\/node$/, replacement: src("core", "node/index.ts") },
      { find: /^@webhook-kit\/testing\/conformance$/, replacement: src("testing", "conformance/index.ts") },
      { find: /^@webhook-kit\/([a-z-]+)$/, replacement: src("$1") },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The default logger prints warnings to stderr; show them only for failing tests.
    silent: "passed-only",
    // Type tests (expectTypeOf, @ts-expect-error) fail the run like any other test.
    typecheck: { enabled: true, include: ["test/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
