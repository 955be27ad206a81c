/** What the CLI touches of the outside world: injectable so commands are testable without a process. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  readStdin(): Promise<Uint8Array>;
  readFile(path: string): Promise<Uint8Array>;
  /** Resolves when the user asks to stop (Ctrl-C / SIGTERM). */
  untilStopped(): Promise<void>;
}

export interface CommonArgs {
  provider?: string | undefined;
  secret?: string | undefined;
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
}
