/**
 * What the store uses of an ioredis `Redis` or `Cluster`. Structural on purpose: clients from ioredis 5 and
 * ioredis 6 both fit, even when a project has both installed (their classes are nominally distinct types).
 */
export interface RedisClient {
  /** ioredis' connection status: "wait", "connecting", "ready", "reconnecting", "close", "end", … */
  readonly status: string;
  defineCommand(name: string, definition: { numberOfKeys?: number; lua: string }): void;
  connect(): Promise<void>;
  /** Redis PING (optional for the structural fit: without it, `ping()` checks the connection state only). */
  ping?(): Promise<unknown>;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener signature
  on(event: "ready" | "close" | "end" | "error", listener: (...args: any[]) => void): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: EventEmitter's own listener signature
  off(event: "ready" | "close" | "end" | "error", listener: (...args: any[]) => void): unknown;
}

const noop = () => {};

/**
 * Decides, before a command is sent, whether the connection can carry it:
 * - ready: send now (the hot path allocates nothing);
 * - opening (first connect, or a reconnect attempt in flight): wait for `ready`, bounded by the caller;
 * - known down (`reconnecting`, `close`) or closed for good (`end`): fail at once. A request then gets 503
 *   in milliseconds instead of parking in ioredis' offline queue, where it could run long after its
 *   caller gave up. ioredis keeps reconnecting in the background, so the store recovers on its own.
 * One shared waiter per opening keeps the listener count constant under load.
 */
export class Readiness {
  readonly #client: RedisClient;
  #opening: Promise<void> | undefined;

  constructor(client: RedisClient) {
    this.#client = client;
  }

  wait(): Promise<void> | undefined {
    const status = this.#client.status;
    if (status === "ready") return undefined;
    if (status === "end") {
      return Promise.reject(
        new Error("the ioredis client was closed (quit/disconnect) and will not reconnect"),
      );
    }
    if (status === "reconnecting" || status === "close" || status === "disconnecting") {
      return Promise.reject(
        new Error(`Redis is unreachable (ioredis status "${status}"); it keeps reconnecting`),
      );
    }
    // lazyConnect clients start in "wait": the first store call opens the connection.
    if (status === "wait") this.#client.connect().catch(noop);
    this.#opening ??= this.#nextOutcome();
    return this.#opening;
  }

  #nextOutcome(): Promise<void> {
    const client = this.#client;
    return new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        client.off("ready", onReady);
        client.off("close", onClose);
        client.off("end", onClose);
        this.#opening = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onClose = () => settle(new Error("Redis refused or dropped the connection while it was opening"));
      client.on("ready", onReady);
      client.on("close", onClose);
      client.on("end", onClose);
    });
  }
}
