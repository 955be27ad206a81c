import path from "node:path";
import type { Provider } from "@webhook-kit/core";
import type { PlatformProfile } from "../platforms/define.js";
import { platformFor, platforms } from "../platforms/index.js";
import type { CliIo, CommonArgs } from "./io.js";
import { UsageError } from "./usage-error.js";

/** What `--provider` takes: the registry's names. */
export const providerNames = Object.keys(platforms);

/** A provider and what the CLI sends for it. */
export interface CliProvider {
  provider: Provider;
  /** Example payloads by event type. */
  fixtures: Readonly<Record<string, object>>;
  /** Overrides of the platform profile (custom modules). */
  platform?: Partial<PlatformProfile>;
  /** A module's own way to make a fixture a new event. */
  fresh?: (payload: object) => object;
  /** The platform's verification requests by name (`--event url_verification`): always sent as they are. */
  handshakes?: Readonly<Record<string, object>>;
}

const isModulePath = (value: string) => /[\\/]/.test(value) || /\.[cm]?[jt]s$/.test(value);
const isProvider = (value: unknown): value is Provider =>
  !!value && typeof value === "object" && (value as Provider).kind === "webhook-kit/provider";

function secretFrom(args: CommonArgs, io: CliIo): string {
  const secret = args.secret ?? io.env.WEBHOOK_SECRET;
  if (!secret) {
    throw new UsageError(
      "--secret is required (or set WEBHOOK_SECRET).",
      "Platforms that sign with Ed25519 take --private-key whsk_… (or WEBHOOK_PRIVATE_KEY) instead.",
    );
  }
  return secret;
}

/**
 * The Ed25519 private key to sign with: --private-key, else $WEBHOOK_PRIVATE_KEY when no secret is given
 * (an explicit --secret wins over the environment's private key).
 */
function privateKeyFrom(args: CommonArgs, io: CliIo): string | undefined {
  if (args["private-key"] !== undefined) {
    if (args.secret !== undefined) {
      throw new UsageError(
        "Give --secret or --private-key, not both.",
        "A delivery is signed with one kind of key.",
      );
    }
    return args["private-key"];
  }
  return args.secret === undefined && io.env.WEBHOOK_SECRET === undefined
    ? io.env.WEBHOOK_PRIVATE_KEY
    : undefined;
}

/**
 * The provider named by --provider: a preset keyed with --secret / $WEBHOOK_SECRET, or a module.
 * `needSecret: false` (for --list-events) lets a preset be built without one.
 */
export async function resolveProvider(args: CommonArgs, io: CliIo, needSecret = true): Promise<CliProvider> {
  const name = args.provider;
  if (!name) {
    throw new UsageError(
      "--provider is required.",
      `One of: ${providerNames.join(", ")}; or a module path such as ./acme.mjs.`,
    );
  }
  if (isModulePath(name)) return loadModule(name, args, io, needSecret);
  const platform = platformFor(name);
  if (!platform) {
    throw new UsageError(
      `Unknown provider "${name}".`,
      `Known: ${providerNames.join(", ")}; a custom provider is a module path such as ./acme.mjs.`,
    );
  }
  const privateKey = privateKeyFrom(args, io);
  if (privateKey !== undefined && needSecret) {
    if (!platform.createSigning) {
      throw new UsageError(
        `${name} signs with a shared secret, not an Ed25519 private key.`,
        "Use --secret for it; --private-key (whsk_…) is for standard-webhooks, svix, discord and Ed25519 provider modules.",
      );
    }
    try {
      return { provider: platform.createSigning(privateKey), fixtures: platform.fixtures };
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  }
  const secret = needSecret ? secretFrom(args, io) : (args.secret ?? io.env.WEBHOOK_SECRET ?? "unused");
  try {
    const cli: CliProvider = { provider: platform.create(secret), fixtures: platform.fixtures };
    if (platform.handshakes) cli.handshakes = platform.handshakes;
    return cli;
  } catch (error) {
    // e.g. a secret that is not valid base64 where the scheme needs it; the message never holds the secret.
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function loadModule(
  file: string,
  args: CommonArgs,
  io: CliIo,
  needSecret: boolean,
): Promise<CliProvider> {
  const absolute = path.resolve(io.cwd, file);
  let loaded: Record<string, unknown>;
  try {
    loaded = await io.importModule(absolute);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    throw new UsageError(`Cannot load the provider module ${file}: ${reason}`);
  }
  const exported = loaded.default ?? loaded.provider;
  let provider: unknown = exported;
  if (typeof exported === "function") {
    // An Ed25519 module is built from the private key alone; an HMAC one from the secret.
    const privateKey = privateKeyFrom(args, io);
    const keys =
      privateKey !== undefined
        ? { privateKey }
        : { secret: needSecret ? secretFrom(args, io) : (args.secret ?? io.env.WEBHOOK_SECRET ?? "unused") };
    try {
      provider = await (exported as (options: { secret?: string; privateKey?: string }) => unknown)(keys);
    } catch (error) {
      throw new UsageError(
        `${file}: the provider factory threw: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (!isProvider(provider)) {
    throw new UsageError(
      `${file} does not export a provider.`,
      "Export default defineProvider({ … }) from @webhook-kit/core, or a function ({ secret }) => defineProvider({ … }).",
    );
  }
  const fixtures = loaded.fixtures;
  const result: CliProvider = {
    provider,
    fixtures: fixtures && typeof fixtures === "object" ? (fixtures as Record<string, object>) : {},
  };
  if (loaded.platform && typeof loaded.platform === "object")
    result.platform = loaded.platform as Partial<PlatformProfile>;
  if (typeof loaded.fresh === "function") result.fresh = loaded.fresh as (payload: object) => object;
  return result;
}
