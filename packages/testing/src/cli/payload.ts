import { freshPayload } from "../fresh.js";
import type { CliIo, CommonArgs } from "./io.js";
import type { CliProvider } from "./providers.js";
import { UsageError } from "./usage-error.js";

/** What to sign and send. */
export interface Body {
  /** An object (serialised as the platform does) or exact bytes from --file / stdin. */
  payload: object | Uint8Array;
  /** The event type, when known: GitHub puts it in X-GitHub-Event. */
  event: string | undefined;
  /** True for bytes the user gave or a fixture sent with --same: the same body every time. */
  repeated: boolean;
}

const decoder = new TextDecoder();

/** --file path, --file - (stdin), --event's fixture (fresh unless --same), or stdin when `stdinByDefault`. */
export async function resolveBody(
  args: CommonArgs,
  io: CliIo,
  cli: CliProvider,
  stdinByDefault: boolean,
): Promise<Body> {
  if (args.file !== undefined || (stdinByDefault && args.event === undefined)) {
    const bytes =
      args.file === undefined || args.file === "-" ? await readStdin(io) : await readFile(io, args.file);
    if (!args.set?.length) return { payload: bytes, event: args.event, repeated: true };
    return {
      payload: applySets(parseObject(bytes, args.file ?? "stdin"), args.set),
      event: args.event,
      repeated: true,
    };
  }
  const types = Object.keys(cli.fixtures);
  const event = args.event ?? types[0];
  if (event === undefined) {
    throw new UsageError(
      `No example payloads for ${cli.provider.name}.`,
      "Send your own body with --file body.json (or --file - for stdin), or export `fixtures` from the provider module.",
    );
  }
  // A handshake is the platform's fixed request: sent as its documents show it, never made fresh.
  const handshake =
    cli.handshakes && Object.hasOwn(cli.handshakes, event) ? cli.handshakes[event] : undefined;
  if (handshake)
    return { payload: applySets(structuredClone(handshake), args.set ?? []), event, repeated: true };
  const fixture = Object.hasOwn(cli.fixtures, event) ? cli.fixtures[event] : undefined;
  if (!fixture) {
    throw new UsageError(
      `No example "${event}" payload for ${cli.provider.name}.`,
      `Events with one: ${types.join(", ")} (--list-events). For any other, send your own body with --file.`,
    );
  }
  const copy = structuredClone(fixture);
  const payload = args.same ? copy : (cli.fresh?.(copy) ?? freshPayload(cli.provider.name, copy));
  return { payload: applySets(payload, args.set ?? []), event, repeated: !!args.same };
}

async function readStdin(io: CliIo): Promise<Uint8Array> {
  const hint = "Pipe a JSON body in (… < body.json), or use --event <type> to send an example payload.";
  if (io.stdinIsTTY) throw new UsageError("No body on stdin (it is a terminal).", hint);
  const bytes = await io.readStdin();
  if (decoder.decode(bytes).trim() === "") throw new UsageError("The body on stdin is empty.", hint);
  return bytes;
}

async function readFile(io: CliIo, file: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await io.readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(`Cannot read --file ${file}${code ? ` (${code})` : ""}.`);
  }
  if (decoder.decode(bytes).trim() === "") throw new UsageError(`--file ${file} is empty.`);
  return bytes;
}

function parseObject(bytes: Uint8Array, source: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(bytes));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed))
      return parsed as Record<string, unknown>;
  } catch {}
  throw new UsageError(`--set needs a JSON object body, and ${source} is not one.`);
}

/**
 * Applies `path=value` overrides: a dotted path (array indexes as numbers), a JSON value or else a string.
 * Missing objects on the way are created.
 */
export function applySets<T extends object>(payload: T, sets: readonly string[]): T {
  for (const set of sets) {
    const at = set.indexOf("=");
    const path = at > 0 ? set.slice(0, at).split(".") : [];
    if (path.length === 0 || path.some((part) => part === "")) {
      throw new UsageError(`--set ${set}: expected path=value, e.g. --set data.email=a@b.example.`);
    }
    const raw = set.slice(at + 1);
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    let target = payload as Record<string, unknown>;
    for (const part of path.slice(0, -1)) {
      if (part === "__proto__" || part === "constructor" || part === "prototype") {
        throw new UsageError(`--set ${set}: "${part}" cannot be set.`);
      }
      const next = target[part];
      if (next === null || typeof next !== "object") target[part] = {};
      target = target[part] as Record<string, unknown>;
    }
    const last = path[path.length - 1] as string;
    if (last === "__proto__" || last === "constructor" || last === "prototype") {
      throw new UsageError(`--set ${set}: "${last}" cannot be set.`);
    }
    target[last] = value;
  }
  return payload;
}
