#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { main } from "./cli/main.js";

async function readStdin(): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const untilStopped = () =>
  new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });

main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  readStdin,
  readFile: async (path) => new Uint8Array(await readFile(path)),
  untilStopped,
}).then((code) => {
  process.exitCode = code;
});
