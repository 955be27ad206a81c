import { defineConfig } from "tsup";
import { packageOptions } from "../../tsup.base.ts";

export default defineConfig([
  // clean: false, or the second build would remove the first one's output.
  { ...packageOptions, entry: { index: "src/index.ts" }, clean: false },
  {
    // The CLI is an executable, not an import: ESM only, no types; tsup keeps the shebang and sets +x.
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    sourcemap: true,
    target: "node20",
  },
]);
