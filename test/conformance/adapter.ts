import type { ReceiverCore } from "@webhook-kit/core";

/** A running server that serves one receiver at `url` (http://127.0.0.1:<port><path>). */
export interface RunningAdapter {
  url: string;
  close(): Promise<void>;
}

/**
 * One framework, as the conformance suite drives it. Adding an adapter to the suite is one line in
 * `adapters.ts`: an object of this shape.
 */
export interface AdapterUnderTest {
  name: string;
  /** Start a real server on 127.0.0.1, port 0, serving `receiver` at `path`. */
  start(receiver: ReceiverCore, path: string): Promise<RunningAdapter>;
}
