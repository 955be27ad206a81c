/** What the CLI touches of the outside world: injectable so commands are testable without a process. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  /** Whether stdin is a terminal (nothing piped in): reading it would wait for typing. */
  stdinIsTTY?: boolean;
  env: Readonly<Record<string, string | undefined>>;
  /** The directory `--provider ./file.mjs` and `--file` are relative to. */
  cwd: string;
  readStdin(): Promise<Uint8Array>;
  readFile(path: string): Promise<Uint8Array>;
  /** Loads a custom provider module (`--provider ./acme.mjs`) by absolute path. */
  importModule(path: string): Promise<Record<string, unknown>>;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilStopped(): Promise<void>;
  /** The package's version, for --version. */
  version: string;
}

export interface CommonArgs {
  provider?: string | undefined;
  secret?: string | undefined;
  "private-key"?: string | undefined;
  port?: string | undefined;
  host?: string | undefined;
  path?: string | undefined;
  url?: string | undefined;
  event?: string | undefined;
  file?: string | undefined;
  retry?: boolean | undefined;
  "time-scale"?: string | undefined;
  id?: string | undefined;
  "webhook-id"?: string | undefined;
  timestamp?: string | undefined;
  json?: boolean | undefined;
  same?: boolean | undefined;
  set?: string[] | undefined;
  header?: string[] | undefined;
  "print-curl"?: boolean | undefined;
  "list-events"?: boolean | undefined;
}
