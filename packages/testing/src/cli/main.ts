import { parseArgs } from "node:util";
import { listen, send, signCommand } from "./commands.js";
import { deadLetters } from "./dead-letters.js";
import type { CliIo, CommonArgs } from "./io.js";
import { style, useColour } from "./style.js";
import { USAGE, UsageError } from "./usage.js";

const options = {
  provider: { type: "string" },
  secret: { type: "string" },
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
  help: { type: "boolean", short: "h" },
} as const;

/** Runs the CLI; resolves to the exit code (0 ok, 1 delivery failed, 2 usage). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const s = style(useColour(io.stdout.isTTY, io.env));
  try {
    let parsed: ReturnType<
      typeof parseArgs<{ options: typeof options; allowPositionals: true; strict: true }>
    >;
    try {
      parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    if (values.help) {
      io.stdout.write(USAGE);
      return 0;
    }
    const [command, ...extra] = positionals;
    if (command === "dead-letters") return await deadLetters(extra, values, io, s);
    if (extra.length > 0) throw new UsageError(`Unexpected argument: ${extra.join(" ")}`);
    const args = values as CommonArgs;
    switch (command) {
      case "listen":
        return await listen(args, io, s);
      case "send":
        return await send(args, io, s);
      case "sign":
        return await signCommand(args, io);
      case undefined:
        throw new UsageError("Missing command.");
      default:
        throw new UsageError(`Unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${s.bad("error:")} ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`${s.bad("error:")} ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
