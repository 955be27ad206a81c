import { parseArgs } from "node:util";
import { deadLetters } from "./dead-letters.js";
import type { CliIo, CommonArgs } from "./io.js";
import { keygen } from "./keygen.js";
import { listEvents } from "./list-events.js";
import { listProviders } from "./list-providers.js";
import { listen } from "./listen.js";
import { printable } from "./printable.js";
import { queueCommand } from "./queue.js";
import { send } from "./send.js";
import { signCommand } from "./sign.js";
import { style, useColour } from "./style.js";
import { USAGE } from "./usage.js";
import { UsageError } from "./usage-error.js";

const options = {
  provider: { type: "string" },
  secret: { type: "string" },
  "private-key": { type: "string" },
  port: { type: "string" },
  host: { type: "string" },
  path: { type: "string" },
  url: { type: "string" },
  event: { type: "string" },
  file: { type: "string" },
  retry: { type: "boolean" },
  "time-scale": { type: "string" },
  id: { type: "string" },
  "webhook-id": { type: "string" },
  timestamp: { type: "string" },
  json: { type: "boolean" },
  redis: { type: "string" },
  postgres: { type: "string" },
  queue: { type: "string" },
  prefix: { type: "string" },
  limit: { type: "string" },
  same: { type: "boolean" },
  set: { type: "string", multiple: true },
  header: { type: "string", multiple: true },
  "print-curl": { type: "boolean" },
  "list-events": { type: "boolean" },
  version: { type: "boolean", short: "v" },
  help: { type: "boolean", short: "h" },
} as const;

/** parseArgs' messages are long and talk about positionals; say what was wrong in one sentence. */
function argumentError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return new UsageError(`Unknown option ${option}.`);
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option) {
    return new UsageError(
      /argument missing/.test(message) ? `${option} needs a value.` : `${option} takes no value.`,
    );
  }
  return new UsageError(message.split(". ")[0] ?? message);
}

/**
 * Whether the run is `dead-letters … --json`, read leniently so an argument error is answered in JSON too: a
 * script reading its stdout gets one JSON document whatever happened.
 */
function deadLettersJson(argv: readonly string[]): boolean {
  const { values, positionals } = parseArgs({
    args: [...argv],
    options,
    allowPositionals: true,
    strict: false,
  });
  return (positionals[0] === "dead-letters" || positionals[0] === "queue") && values.json === true;
}

/** Runs the CLI; resolves to the exit code (0 ok, 1 not delivered, 2 usage, 3 acknowledged but nothing ran). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const s = style(useColour(io.stdout.isTTY, io.env));
  const json = (error: "usage" | "queue_error", message: string) => {
    if (deadLettersJson(argv)) io.stdout.write(`${JSON.stringify({ error, message })}\n`);
  };
  try {
    let parsed: ReturnType<
      typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>
    >;
    try {
      parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    } catch (error) {
      throw argumentError(error);
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    if (values.version) {
      io.stdout.write(`${io.version}\n`);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (command === "dead-letters") return await deadLetters(extra, values, io, s);
    if (command === "queue") return await queueCommand(extra, values, io, s);
    if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra.join(" ")}`);
    const args = values as CommonArgs;
    if (args["list-events"]) return await listEvents(args, io);
    switch (command) {
      case "listen":
        return await listen(args, io, s);
      case "send":
        return await send(args, io, s);
      case "sign":
        return await signCommand(args, io);
      case "providers":
        return listProviders(args, io);
      case "keygen":
        return await keygen(args, io);
      case undefined:
        throw new UsageError(
          "Missing command.",
          "webhook-kit listen | send | sign | providers — see webhook-kit --help.",
        );
      default:
        throw new UsageError(
          `Unknown command "${command}".`,
          "Commands: listen, send, sign, providers, keygen, dead-letters, queue — see webhook-kit --help.",
        );
    }
  } catch (error) {
    if (error instanceof UsageError) {
      // One line for the problem, one for what to do: the whole usage is one --help away.
      io.stderr.write(`${s.bad("error:")} ${printable(error.message)}\n`);
      io.stderr.write(
        `${s.dim("hint:")} ${printable(error.hint ?? 'run "webhook-kit --help" for usage.')}\n`,
      );
      json("usage", error.message);
      return 2;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`${s.bad("error:")} ${printable(message)}\n`);
    // Only dead-letters and queue reach a queue; their other failures (a missing @webhook-kit/bullmq) are the same kind.
    json("queue_error", message);
    return 1;
  }
}
