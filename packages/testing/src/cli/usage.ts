import { providerNames } from "./providers.js";

export const USAGE = `webhook-kit — receive, sign and send webhooks exactly as the platforms do

Usage:
  webhook-kit listen --provider <p> --secret <s> [--port 3000] [--host 127.0.0.1] [--path /webhooks]
  webhook-kit send   --provider <p> --secret <s> --url <url> [--event <type> | --file body.json | --file -]
                     [--same] [--set path=value]... [--header "name: value"]... [--print-curl]
                     [--retry] [--time-scale 1] [--id <id>] [--webhook-id <id>] [--timestamp <unix>]
  webhook-kit sign   --provider <p> --secret <s> [--event <type> | --file body.json] [--json]   (else body on stdin)
  webhook-kit keygen [--json]
  webhook-kit dead-letters list|replay <key>|remove <key> (--redis <url> | --postgres <url>)
                     --queue <name> [--prefix bull] [--limit 100] [--json]
  webhook-kit queue pause|resume|status|stats (--redis <url> | --postgres <url>) --queue <name>
                     [--prefix bull] [--json]
  webhook-kit providers [--json]
  webhook-kit --list-events --provider <p>
  webhook-kit --version

Commands:
  listen   Run a local receiver and print every verified, typed event (Ctrl-C to stop).
  send     Send one signed delivery and show what the receiver answered. Each send is a NEW event (fresh
           ids and timestamps, as the platform makes them); --same repeats the fixture byte for byte with
           a stable delivery id, i.e. a redelivery. --retry replays the platform's retry schedule until a
           2xx (--time-scale 0.001 to speed it up). --print-curl prints the equivalent curl command instead.
  sign     Print the headers (and, for body-embedded signatures, the body) the platform would send.
  keygen   A fresh Ed25519 key pair: whpk_… for the receiver, whsk_… for --private-key.
  providers
           The platforms --provider takes, each with what it signs, how long its sender waits, its retry
           schedule and how long keys are kept.
  dead-letters
           The deliveries a BullMQ queue gave up on (needs @webhook-kit/bullmq): list them (type, key,
           reason, attempts, last error, age), replay one from attempt 1, or remove it. With --json, every
           outcome is one JSON document on stdout (an error: { "error": code, "message" }).
  queue    The queue-wide switch for an incident (needs @webhook-kit/bullmq): pause stops every worker
           from starting jobs (running ones finish; receivers keep accepting and queueing, nothing is
           lost), resume starts them again, status shows the flag and the job counts; stats adds the
           oldest waiting job's age and the dead letters by reason. A --queue that does not exist exits 2
           and lists the ones that do.

Options:
  --provider     ${providerNames.join(", ")} (see webhook-kit providers),
                 or a module: ./acme.mjs
                 (default export: a defineProvider() provider or ({ secret }) => provider;
                 optional exports: fixtures { "type": payload }, platform { userAgent, headers })
  --secret       the endpoint's signing secret (default: $WEBHOOK_SECRET)
  --private-key  an Ed25519 private key (whsk_…) instead of --secret, for platforms that sign with one
                 (standard-webhooks, svix: v1a; discord; or a module's ({ privateKey }) => provider)
                 (default: $WEBHOOK_PRIVATE_KEY when no secret is set)
  --event        which fixture to send (see --list-events); default: the provider's first
  --set          change a field of the payload: --set data.email=a@b.example --set amount=12 (JSON values parse)
  --header       add or replace a header: --header "x-request-id: 42"
  -v, --version  print the version
  -h, --help     show this help

Exit codes: 0 handled (or delivered), 1 not delivered, 2 usage error, 3 acknowledged but nothing ran
(duplicate, or no handler for the type); dead-letters: 1 queue unreachable, 2 no such key;
queue: 1 queue unreachable, 2 no such queue.
Colour only on a terminal; NO_COLOR turns it off. Control characters in what a sender sent (ids,
types, errors) are printed as escapes (\\x1b); --json output is exact.
`;
