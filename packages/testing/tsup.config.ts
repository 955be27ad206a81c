import { defineConfig } from "tsup";
import { packageOptions } from "../../tsup.base.ts";

export default defineConfig([
  // clean: false, or the second build would remove the first one's output.
  {
    ...packageOptions,
    // conformance: its own entry, so only it imports vitest (an optional peer, left external).
    entry: { index: "src/index.ts", conformance: "src/conformance/index.ts" },
    clean: false,
  },
  {
    // The CLI is an executable, not an import: ESM only, no types; tsup keeps the shebang and sets +x.
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
]);
