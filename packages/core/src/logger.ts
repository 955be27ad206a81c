import { errorText } from "./error-text.js";
import type { Logger } from "./types.js";

const noop = () => {};

/** `logger: false`. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

function describe(value: unknown): string {
  try {
    return describeUnsafe(value);
  } catch {
    return errorText(value);
  }
}

function describeUnsafe(value: unknown): string {
  if (value instanceof Error) {
    const cause = value.cause === undefined ? "" : `\n  caused by: ${describe(value.cause)}`;
    const inner =
      value instanceof AggregateError ? value.errors.map((e) => `\n  - ${describe(e)}`).join("") : "";
    return `${value.stack ?? `${value.name}: ${value.message}`}${inner}${cause}`;
  }
  return typeof value === "string" ? value : JSON.stringify(value);
}

function line(level: string, obj: object, msg?: string): string {
  const { err, ...fields } = obj as { err?: unknown };
  const context = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`)
    .join(" ");
  const error = err === undefined ? "" : `\n${describe(err)}`;
  return `[webhook-kit] ${level}: ${msg ?? ""}${context ? ` (${context})` : ""}${error}`;
}

/**
 * The default: warnings and errors (with stacks) on stderr, nothing else. The kit never passes it a
 * secret, a signature or a payload, only codes, ids, types and errors.
 *
 * @example
 * createReceiver({ provider, logger: consoleLogger }); // the default; `logger: false` silences it
 */
export const consoleLogger: Logger = {
  debug: noop,
  info: noop,
  warn: (obj, msg) => console.error(line("warn", obj, msg)),
  error: (obj, msg) => console.error(line("error", obj, msg)),
};

/** A logger that never throws into the receiver: a broken logger must not fail a delivery or crash. */
export function safeLogger(logger: Logger): Logger {
  const guard =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      try {
        logger[level](obj, msg);
      } catch {
        // Nowhere left to report it; losing one log line beats failing the delivery.
      }
    };
  return { debug: guard("debug"), info: guard("info"), warn: guard("warn"), error: guard("error") };
}
