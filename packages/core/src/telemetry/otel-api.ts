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
  // node:module without a static import, which would break Workers and Deno; Node ≥ 20.16 has
  // getBuiltinModule. `require` itself is not used: a bundler's ESM output replaces it with a stub that throws.
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
    ?.getBuiltinModule;
  const nodeModule = getBuiltin?.("node:module") as { createRequire(from: string): Require } | undefined;
  // The CJS build has __filename (and no import.meta); the ESM build the reverse.
  return nodeModule?.createRequire(typeof __filename === "string" ? __filename : import.meta.url);
}
