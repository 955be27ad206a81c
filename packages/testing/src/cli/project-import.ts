import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

/** Whether `error` is "this package is not installed" (from `import` or `require.resolve`). */
export function isMissingModule(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/** The ESM entry a package's `exports["."]` names for `import`, else its `main`. */
function importEntry(manifest: { exports?: unknown; main?: string }): string | undefined {
  const root = (manifest.exports as Record<string, unknown> | undefined)?.["."] ?? manifest.exports;
  let target: unknown = root;
  while (target && typeof target === "object") {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.default;
  }
  return typeof target === "string" ? target : manifest.main;
}

/**
 * Imports an optional package from the project the command runs in (the current directory) first, then
 * from next to this CLI. Run through `npx`, the CLI lives in npx's cache, where the project's
 * `@webhook-kit/bullmq` is not: resolving only from here would call an installed package missing.
 */
export async function importFromProject<T>(name: string, cwd = process.cwd()): Promise<T> {
  const require = createRequire(join(cwd, "noop.js"));
  let manifestPath: string | undefined;
  try {
    manifestPath = require.resolve(`${name}/package.json`);
  } catch (error) {
    if (!isMissingModule(error) && (error as NodeJS.ErrnoException).code !== "ERR_PACKAGE_PATH_NOT_EXPORTED")
      throw error;
  }
  if (manifestPath !== undefined) {
    const entry = importEntry(JSON.parse(readFileSync(manifestPath, "utf8")));
    const url = entry
      ? pathToFileURL(join(dirname(manifestPath), entry)).href
      : pathToFileURL(require.resolve(name)).href;
    return (await import(url)) as T;
  }
  return (await import(name)) as T;
}
