import type { Provider } from "@webhook-kit/core";
import { fixturesByProvider } from "../fixtures.js";
import type { CliIo, CommonArgs } from "./io.js";
import { makeProvider, providerNames } from "./presets.js";
import { UsageError } from "./usage.js";

/** The preset named by --provider, keyed with --secret or $WEBHOOK_SECRET. */
export function resolveProvider(args: CommonArgs, io: CliIo): Provider {
  if (!args.provider) throw new UsageError(`--provider is required (one of: ${providerNames.join(", ")}).`);
  const secret = args.secret ?? io.env.WEBHOOK_SECRET;
  if (!secret) throw new UsageError("--secret is required (or set WEBHOOK_SECRET).");
  let provider: Provider | undefined;
  try {
    provider = makeProvider(args.provider, secret);
  } catch (error) {
    // e.g. a secret that is not valid base64 where the scheme needs it; the message never holds the secret.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (!provider)
    throw new UsageError(`Unknown provider "${args.provider}". Known: ${providerNames.join(", ")}.`);
  return provider;
}

/** The type a fixture would be routed as, for `--event` lookups. */
function fixtureType(providerName: string, payload: Record<string, unknown>): string | undefined {
  if (providerName === "github") {
    if (typeof payload.zen === "string") return "ping";
    return typeof payload.action === "string" && typeof payload.issue === "object"
      ? `issues.${payload.action}`
      : undefined;
  }
  const value = payload.event ?? payload.type;
  return typeof value === "string" ? value : undefined;
}

/** The body to send: --file as raw bytes, the fixture for --event, or the platform's first fixture. */
export async function resolvePayload(args: CommonArgs, io: CliIo, providerName: string): Promise<unknown> {
  if (args.file && args.event) throw new UsageError("Give either --event or --file, not both.");
  if (args.file) {
    try {
      return await io.readFile(args.file);
    } catch {
      throw new UsageError(`Cannot read --file ${args.file}.`);
    }
  }
  const set = Object.values(fixturesByProvider[providerName] ?? {}) as Record<string, unknown>[];
  if (!args.event) {
    if (set[0]) return set[0];
    throw new UsageError(`No example payload for ${providerName}: pass --file.`);
  }
  const found = set.find((payload) => fixtureType(providerName, payload) === args.event);
  if (found) return found;
  const known = set.flatMap((payload) => fixtureType(providerName, payload) ?? []);
  throw new UsageError(
    `No example ${args.event} payload for ${providerName} (have: ${known.join(", ")}); pass --file.`,
  );
}

export function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0) {
    throw new UsageError(`--${name} must be a non-negative number, got "${value}".`);
  }
  return number;
}
