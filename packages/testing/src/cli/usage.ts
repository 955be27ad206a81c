import { providerNames } from "./presets.js";

/** Raised for anything the user typed wrong: printed with the hint, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export const USAGE = `webhook-kit — receive, sign and send webhooks exactly as the platforms do

Usage:
  webhook-kit listen --provider <name> --secret <secret> [--port 3000] [--host 127.0.0.1] [--path /webhooks]
  webhook-kit send   --provider <name> --secret <secret> --url <url> [--event <type> | --file body.json]
                     [--retry] [--time-scale 1] [--id <id>] [--webhook-id <id>] [--timestamp <unix>]
  webhook-kit sign   --provider <name> --secret <secret> [--file body.json] [--json]   (body from stdin without --file)
  webhook-kit dead-letters list|replay <key>|remove <key> (--redis <url> | --postgres <url>)
                     [--queue webhook-kit] [--prefix bull] [--limit 100] [--json]

Commands:
  listen   Run a local receiver and print every verified, typed event (Ctrl-C to stop).
  send     Fire one signed test delivery (a fixture from the platform's docs, or your file);
           --retry replays the platform's retry schedule until a 2xx (--time-scale 0.001 to speed it up).
  sign     Print the headers (and, for body-embedded signatures, the body) the platform would send.
  dead-letters
           The deliveries a BullMQ queue gave up on (needs @webhook-kit/bullmq): list them (type, key,
           attempts, last error, age), replay one from attempt 1, or remove it.

Options:
  --provider   ${providerNames.join(", ")}
  --secret     the endpoint's signing secret (default: $WEBHOOK_SECRET)
  -h, --help   show this help

Exit codes: 0 ok, 1 delivery failed, 2 usage error (dead-letters: 1 queue unreachable, 2 no such key). Colour only on a terminal; NO_COLOR turns it off.
`;
