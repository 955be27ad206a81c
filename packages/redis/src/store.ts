import { randomUUID } from "node:crypto";
import type { ClaimResult, IdempotencyStore } from "@webhook-kit/core";
import { RedisStoreError, type RedisStoreOperation } from "./errors.js";
import { keyText } from "./key-text.js";
import { Readiness, type RedisClient } from "./readiness.js";
import { COMMANDS } from "./scripts.js";
import { WriteBatching } from "./write-batching.js";
import { WriteRetries } from "./write-retries.js";

export interface RedisStoreOptions {
  /** An ioredis (5 or 6) `Redis` or `Cluster`. The store never closes it. See `createRedisClient` for fail-fast settings. */
  client: RedisClient;
  /** Prepended to every key, e.g. one per app or environment. No `{` or `}`. Default `"webhook-kit:"`. */
  prefix?: string;
  /**
   * Upper bound on one store call, waiting for a connection included. Past it the call rejects with
   * `RedisStoreError` and the receiver answers 503. Default 1 500 ms (below the receiver's 2 s storeTimeoutMs).
   */
  operationTimeoutMs?: number;
  /**
   * A `complete` or `release` that fails (Redis restarting, a timeout) keeps being retried in the background
   * this long, so handlers that already ran are still recorded as done once Redis is back; a `claim` that
   * fails is handed back (released) the same way, in case it was applied and only its reply was lost.
   * Safe because each acts only for its own token. 0 turns it off. Default 30 000 ms.
   */
  retryWritesForMs?: number;
  /**
   * Send the commands of one event-loop turn in one socket write (single-node clients; a Cluster is left
   * alone). Saves a syscall per command under concurrency; costs no latency. Default true.
   */
  batchWrites?: boolean;
}

type ScriptCommand = (key: string, ...args: (string | number)[]) => Promise<unknown>;

const DEFAULT_PREFIX = "webhook-kit:";
const DEFAULT_OPERATION_TIMEOUT_MS = 1_500;
const DEFAULT_RETRY_WRITES_FOR_MS = 30_000;

/**
 * The idempotency state in Redis, shared by every process and machine that uses the same Redis and prefix.
 * Each operation is one Lua script on one key (one round trip, atomic, one Cluster slot): claim with a lease,
 * then complete / release / renew only for the token that owns the claim. Tokens are random UUIDs.
 *
 * @example
 * import { createReceiver, providers } from "@webhook-kit/core";
 * import { createRedisClient, RedisStore } from "@webhook-kit/redis";
 *
 * const client = createRedisClient(process.env.REDIS_URL ?? "redis://127.0.0.1:6379");
 * const receiver = createReceiver({
 *   provider: providers.eulabel({ secret: process.env.EULABEL_SECRET! }),
 *   store: new RedisStore({ client, prefix: "shop:webhooks:" }),
 * });
 */
export class RedisStore implements IdempotencyStore {
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #readiness: Readiness;
  readonly #retries: WriteRetries;
  readonly #batching: WriteBatching | undefined;

  constructor(options: RedisStoreOptions) {
    if (!options?.client || typeof options.client.defineCommand !== "function") {
      throw new TypeError("RedisStore: `client` must be an ioredis Redis or Cluster instance.");
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    // Braces in the prefix would become the Cluster hash tag instead of the delivery key.
    if (/[{}]/.test(prefix)) {
      throw new TypeError(`RedisStore: prefix must not contain "{" or "}", got ${prefix}`);
    }
    this.#client = options.client;
    this.#prefix = prefix;
    this.#timeoutMs = positive(
      "operationTimeoutMs",
      options.operationTimeoutMs,
      DEFAULT_OPERATION_TIMEOUT_MS,
    );
    const retryFor = options.retryWritesForMs ?? DEFAULT_RETRY_WRITES_FOR_MS;
    if (!Number.isFinite(retryFor) || retryFor < 0) {
      throw new TypeError(`RedisStore: retryWritesForMs must be ≥ 0, got ${String(retryFor)}`);
    }
    this.#retries = new WriteRetries(retryFor);
    this.#readiness = new Readiness(this.#client);
    this.#batching = options.batchWrites === false ? undefined : new WriteBatching(this.#client);
    for (const { name, lua } of Object.values(COMMANDS)) {
      if (typeof (this.#client as unknown as Record<string, unknown>)[name] !== "function") {
        this.#client.defineCommand(name, { numberOfKeys: 1, lua });
      }
    }
  }

  /** The Redis key that holds a delivery key's state: the delivery key is the Cluster hash tag. */
  redisKey(key: string): string {
    return `${this.#prefix}{${keyText(key)}}`;
  }

  /** complete/release calls still being retried in the background after a failure. */
  get pendingWrites(): number {
    return this.#retries.size;
  }

  async claim(key: string, { leaseMs }: { leaseMs: number }): Promise<ClaimResult> {
    const token = randomUUID();
    const lease = ms("leaseMs", leaseMs);
    let reply: unknown;
    try {
      reply = await this.#call("claim", COMMANDS.claim.name, key, token, lease);
    } catch (error) {
      // A claim that reached Redis may have been applied with its reply lost (Redis died mid-flight, a
      // timeout). Nobody will run it, so hand it back as soon as Redis answers instead of blocking the
      // sender's retries for the whole lease. One that never left the process needs nothing.
      if (!(error instanceof RedisStoreError) || error.sent) {
        this.#retries.schedule(() => this.#call("release", COMMANDS.release.name, key, token));
      }
      throw error;
    }
    if (!Array.isArray(reply)) throw unexpected("claim", reply);
    const [code, detail] = reply as [unknown, unknown];
    if (code === 1 && detail === token) return { status: "claimed", token };
    if (code === 2) return { status: "in_progress", retryAfterMs: Math.max(1, Number(detail)) };
    if (code === 3) return { status: "completed" };
    throw unexpected("claim", reply);
  }

  async complete(key: string, token: string, { retentionMs }: { retentionMs: number }): Promise<boolean> {
    const retention = ms("retentionMs", retentionMs); // validated once, before anything is retried
    const send = () => this.#call("complete", COMMANDS.complete.name, key, token, retention);
    return (await this.#withRetries(send)) === 1;
  }

  async release(key: string, token: string): Promise<boolean> {
    const send = () => this.#call("release", COMMANDS.release.name, key, token);
    return (await this.#withRetries(send)) === 1;
  }

  async renew(key: string, token: string, { leaseMs }: { leaseMs: number }): Promise<boolean> {
    // Not retried in the background: the receiver renews again at the next interval.
    return (await this.#call("renew", COMMANDS.renew.name, key, token, ms("leaseMs", leaseMs))) === 1;
  }

  /** The caller still sees the failure (so it can log it); the write keeps trying behind it. */
  async #withRetries(send: () => Promise<unknown>): Promise<unknown> {
    try {
      return await send();
    } catch (error) {
      this.#retries.schedule(send);
      throw error;
    }
  }

  /**
   * One script call, bounded by operationTimeoutMs from the moment it is made, waiting for a connection
   * included. Written as one hand-rolled promise (no Promise.race, no async wrappers): it is on every
   * delivery's hot path twice.
   */
  #call(
    operation: RedisStoreOperation,
    command: string,
    key: string,
    ...args: (string | number)[]
  ): Promise<unknown> {
    if (typeof key !== "string" || key === "") {
      return Promise.reject(new TypeError(`RedisStore.${operation}: key must be a non-empty string`));
    }
    return new Promise((resolve, reject) => {
      let settled = false;
      let sent = false;
      const timer = setTimeout(() => {
        settled = true;
        const status = this.#client.status;
        reject(
          new RedisStoreError(
            operation,
            "timeout",
            `RedisStore.${operation}: no answer from Redis within ${this.#timeoutMs} ms (client status: ${status})`,
            { sent },
          ),
        );
      }, this.#timeoutMs);
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        const reason = error instanceof Error ? error.message : String(error);
        reject(
          new RedisStoreError(operation, "unavailable", `RedisStore.${operation} failed: ${reason}`, {
            sent,
            cause: error,
          }),
        );
      };
      const send = () => {
        // Readiness came after the budget: do not send a command nobody waits for any more.
        if (settled) return;
        const fn = (this.#client as unknown as Record<string, ScriptCommand>)[command] as ScriptCommand;
        sent = true;
        this.#batching?.hold();
        fn.call(this.#client, this.redisKey(key), ...args).then((reply) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve(reply);
        }, fail);
      };
      const waiting = this.#readiness.wait();
      if (waiting) waiting.then(send, fail);
      else send();
    });
  }
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0)
    throw new TypeError(`RedisStore: ${name} must be > 0 ms, got ${String(value)}`);
  return value;
}

/** Redis expiries are whole milliseconds ≥ 1. */
function ms(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new RangeError(`RedisStore: ${name} must be > 0 ms, got ${String(value)}`);
  return Math.ceil(value);
}

function unexpected(operation: RedisStoreOperation, reply: unknown): RedisStoreError {
  return new RedisStoreError(
    operation,
    "unavailable",
    `RedisStore.${operation}: unexpected reply ${JSON.stringify(reply)}`,
    { sent: true },
  );
}
