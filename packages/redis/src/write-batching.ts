import type { Socket } from "node:net";
import type { RedisClient } from "./readiness.js";

/**
 * Holds a single-node client's socket corked until the end of the current event-loop turn, so the store's
 * commands issued during that turn (one per concurrent delivery) leave in one `writev` instead of one
 * syscall each. On the benchmark VM that cut the receiver's CPU per delivery from ~55 to ~40 µs. No timer:
 * `setImmediate` runs right after the turn's I/O callbacks, so no command waits for anything but the turn.
 * Cluster clients route per node and are left alone.
 */
export class WriteBatching {
  readonly #client: RedisClient;
  #held: Socket | undefined;

  constructor(client: RedisClient) {
    this.#client = client;
  }

  /** Call right before sending a command. */
  hold(): void {
    if (this.#held) return;
    const stream = (this.#client as { stream?: Socket }).stream;
    if (!stream || typeof stream.cork !== "function" || stream.destroyed) return;
    stream.cork();
    this.#held = stream;
    setImmediate(() => {
      this.#held = undefined;
      stream.uncork();
    });
  }
}
