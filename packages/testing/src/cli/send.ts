import { sendDelivery } from "../send-delivery.js";
import { signDelivery } from "../sign-delivery.js";
import { curlCommand } from "./curl.js";
import type { CliIo, CommonArgs } from "./io.js";
import { resolveBody } from "./payload.js";
import { resolveProvider } from "./providers.js";
import { attemptLine, verdict } from "./report.js";
import { parseNumber, signOptions } from "./sign-options.js";
import type { Style } from "./style.js";
import { UsageError } from "./usage-error.js";

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);

/**
 * `send`: one signed delivery (or the platform's whole retry schedule with --retry), then what the
 * receiver answered. Exit 0 when it ran (or a non-webhook-kit 2xx), 3 when acknowledged without running
 * anything (duplicate, no handler), 1 when not delivered or redirected (a sender never follows a 3xx).
 */
export async function send(args: CommonArgs, io: CliIo, s: Style): Promise<number> {
  if (!args.url) {
    throw new UsageError(
      "--url is required.",
      "Where the receiver listens, e.g. --url http://localhost:3000/webhooks.",
    );
  }
  let url: URL;
  try {
    url = new URL(args.url);
  } catch {
    throw new UsageError(
      `--url is not a URL: ${args.url}`,
      "Give scheme and host, e.g. http://localhost:3000/webhooks.",
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`--url must be http: or https:, got ${url.protocol}`);
  }
  const cli = await resolveProvider(args, io);
  const body = await resolveBody(args, io, cli, false);
  const options = await signOptions(args, cli, body);
  if (args["print-curl"]) {
    let signed: Awaited<ReturnType<typeof signDelivery>>;
    try {
      signed = await signDelivery(cli.provider, body.payload, options);
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    line(io, curlCommand(args.url, signed));
    return 0;
  }
  const kind = args.same ? "the same delivery again (--same)" : body.repeated ? "your bytes" : "a new event";
  line(io, s.dim(`→ ${cli.provider.name}${body.event ? ` ${body.event}` : ""}, ${kind}, to ${args.url}`));
  let result: Awaited<ReturnType<typeof sendDelivery>>;
  try {
    result = await sendDelivery(args.url, cli.provider, body.payload, {
      ...options,
      timeScale: parseNumber("time-scale", args["time-scale"], 1),
      ...(args.retry ? {} : { maxAttempts: 1 }),
      onAttempt: (attempt) => line(io, attemptLine(attempt, s)),
    });
  } catch (error) {
    // signDelivery refuses what it cannot sign (e.g. GitHub without an event): the user's input.
    if (error instanceof TypeError) throw new UsageError(error.message);
    // A schedule that cannot be replayed (a module's platform.retrySchedule or its provider's).
    if (error instanceof RangeError)
      throw new UsageError(
        error.message.replace(/^sendDelivery: /, ""),
        `Fix the retrySchedule of ${args.provider}${args.retry ? ", or shrink it with --time-scale" : ""}.`,
      );
    throw error;
  }
  const { line: closing, code } = verdict(
    result,
    { event: body.event, repeated: body.repeated, same: !!args.same },
    s,
  );
  line(io, closing);
  return code;
}
