import { generateEd25519Keys } from "../keys.js";
import type { CliIo, CommonArgs } from "./io.js";

/** `keygen`: a fresh Ed25519 key pair, the public key for the receiver and the private one for signing. */
export async function keygen(args: CommonArgs, io: CliIo): Promise<number> {
  const keys = await generateEd25519Keys();
  if (args.json) {
    io.stdout.write(`${JSON.stringify(keys, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`public key (receiver: publicKey):       ${keys.publicKey}\n`);
  io.stdout.write(`private key (sender: --private-key):    ${keys.privateKey}\n`);
  return 0;
}
