import type * as OtelApi from "@opentelemetry/api";

export type Api = typeof OtelApi;

let loaded: Api | null | undefined;

/**
 * `@opentelemetry/api`, or undefined when it is not installed. An optional peer: loaded once, synchronously
 * where Node can (so the first delivery is already traced), never imported statically (an app without it
 * must still load core). Elsewhere (Workers, Deno) telemetry stays off.
 */
export function otelApi(): Api | undefined {
  if (loaded === undefined) loaded = load() ?? null;
  return loaded ?? undefined;
}

function load(): Api | undefined {
  try {
    const requireFrom = nodeRequire();
    return requireFrom ? (requireFrom("@opentelemetry/api") as Api) : undefined;
  } catch {
    return undefined;
  }
}

type Require = (id: string) => unknown;

function nodeRequire(): Require | undefined {
  // CJS build: the module's own require.
  if (typeof require === "function") return require;
  // ESM build on Node ≥ 20.16: node:module without a static import that would break other runtimes.
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const nodeModule = getBuiltin?.("node:module") as { createRequire(from: string): Require } | undefined;
  return nodeModule?.createRequire(import.meta.url);
}
