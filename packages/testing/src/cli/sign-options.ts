import { stableDeliveryId } from "../fresh.js";
import type { SignDeliveryInput } from "../sign-delivery.js";
import type { CommonArgs } from "./io.js";
import type { Body } from "./payload.js";
import type { CliProvider } from "./providers.js";
import { UsageError } from "./usage-error.js";

const decoder = new TextDecoder();

/** The signDelivery options the flags ask for: ids, event, signed time, extra headers, a module's profile. */
export async function signOptions(
  args: CommonArgs,
  cli: CliProvider,
  body: Body,
): Promise<SignDeliveryInput> {
  const options: SignDeliveryInput = {};
  if (args.id) options.id = args.id;
  else if (args.same) {
    // A redelivery carries the same delivery id (GitHub's X-GitHub-Delivery, Standard Webhooks' webhook-id).
    const text =
      body.payload instanceof Uint8Array ? decoder.decode(body.payload) : JSON.stringify(body.payload);
    options.id = await stableDeliveryId(cli.provider.name, text);
  }
  if (args["webhook-id"]) options.webhookId = args["webhook-id"];
  if (body.event) options.event = body.event;
  if (args.timestamp !== undefined) options.timestamp = parseNumber("timestamp", args.timestamp, 0);
  if (args.header?.length) options.headers = parseHeaders(args.header);
  if (cli.platform) options.platform = cli.platform;
  return options;
}

/** `--header "name: value"` (or name=value) → a header record. */
export function parseHeaders(values: readonly string[]): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const value of values) {
    const at = value.search(/[:=]/);
    const name = at > 0 ? value.slice(0, at).trim() : "";
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new UsageError(`--header ${value}: expected "name: value", e.g. --header "x-request-id: 42".`);
    }
    headers[name.toLowerCase()] = value.slice(at + 1).trim();
  }
  return headers;
}

export function parseNumber(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number) || number < 0) {
    throw new UsageError(`--${name} must be a non-negative number, got "${value}".`);
  }
  return number;
}
