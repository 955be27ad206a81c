import { signDelivery } from "../sign-delivery.js";
import type { CliIo, CommonArgs } from "./io.js";
import { resolveBody } from "./payload.js";
import { resolveProvider } from "./providers.js";
import { signOptions } from "./sign-options.js";
import { UsageError } from "./usage-error.js";

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);

function isJsonObject(bytes: Uint8Array): boolean {
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return !!value && typeof value === "object" && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** `sign`: the headers (and body, when the signature lives in it) for a body from stdin, --file or --event. */
export async function signCommand(args: CommonArgs, io: CliIo): Promise<number> {
  const cli = await resolveProvider(args, io);
  const body = await resolveBody(args, io, cli, true);
  const options = await signOptions(args, cli, body);
  let signed: Awaited<ReturnType<typeof signDelivery>>;
  try {
    signed = await signDelivery(cli.provider, body.payload, options);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  // Warned only once it is signed: a provider whose signature lives in the JSON body refuses it above instead.
  if (body.payload instanceof Uint8Array && !isJsonObject(body.payload))
    // Still signed (a test of the receiver's 400 path may want exactly this), but never by surprise.
    io.stderr.write(
      "warning: the body is not a JSON object; a receiver would verify the signature, then answer 400 invalid_payload. Signed anyway.\n",
    );
  if (args.json) {
    line(io, JSON.stringify({ headers: signed.headers, body: signed.text }, null, 2));
    return 0;
  }
  for (const [name, value] of Object.entries(signed.headers)) line(io, `${name}: ${value}`);
  const original = body.payload instanceof Uint8Array ? new TextDecoder().decode(body.payload) : undefined;
  // Body-embedded schemes change the body itself, and a fixture's bytes are new: print what must be sent.
  if (signed.text !== original) io.stdout.write(`\n${signed.text}\n`);
  return 0;
}
