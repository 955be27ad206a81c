import { defineConfig } from "tsup";
import { packageOptions } from "../../tsup.base.ts";

export default defineConfig({
  ...packageOptions,
  entry: { index: "src/index.ts", node: "src/node/index.ts" },
  // telemetry/otel-api.ts reads import.meta.url only where __filename is missing (ESM): the CJS build
  // never reaches it, so it is defined away there instead of warned about.
  esbuildOptions(options, { format }) {
    if (format === "cjs") options.define = { ...options.define, "import.meta.url": "undefined" };
  },
});
