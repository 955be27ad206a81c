import type { CliIo, CommonArgs } from "./io.js";
import { resolveProvider } from "./providers.js";

/**
 * `--list-events`: one event type per line on stdout (for scripts); notes go to stderr. Types the provider
 * declares come first, then the other ones a fixture exists for (GitHub, Stripe route any type).
 */
export async function listEvents(args: CommonArgs, io: CliIo): Promise<number> {
  const cli = await resolveProvider(args, io, false);
  const declared = Object.keys(cli.provider.events);
  const withFixture = Object.keys(cli.fixtures);
  const all = [...new Set([...declared, ...withFixture])];
  for (const type of all) {
    io.stdout.write(
      `${type}${withFixture.includes(type) ? "" : "   (no example payload: send it with --file)"}\n`,
    );
  }
  // Handshakes last, marked: the receiver answers them itself, no handler runs.
  for (const name of Object.keys(cli.handshakes ?? {})) {
    io.stdout.write(`${name}   (handshake: answered by the receiver, routed to no handler)\n`);
  }
  if (declared.length < all.length) {
    io.stderr.write(
      `note: ${cli.provider.name} also delivers event types it does not declare; the ones above that it does not declare are those the CLI has an example payload for (send any other with --file).\n`,
    );
  }
  return 0;
}
