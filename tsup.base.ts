import { defineConfig, type Options } from "tsup";

/** Every package ships the same way: ESM + CJS with types for both, for Node 20 and later. */
export const packageOptions: Options = {
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
};

/** The tsup config of a package with these entry points. */
export const packageConfig = (entry: Record<string, string>) => defineConfig({ ...packageOptions, entry });
