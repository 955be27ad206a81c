import { randomUUID } from "node:crypto";
import type {
  CallDeadline,
  ClaimResult,
  IdempotencyStore,
  VersionAdvance,
  VersionStore,
} from "@webhook-kit/core";
import { RedisStoreError, type RedisStoreOperation } from "./errors.js";
import { keyText } from "./key-text.js";
import { Readiness, type RedisClient } from "./readiness.js";
import { COMMANDS } from "./scripts.js";
import { WriteRetries } from "./write-retries.js";

export interface RedisStoreOptions {
  /** An ioredis (5 or 6) `Redis` or `Cluster`. The store never closes it. See `createRedisClient` for fail-fast settings. */
  client: RedisClient;
  /** Prepended to every key, e.g. one per app or environment. No `{` or `}`. Default `"webhook-kit:"`. */
  prefix?: string;
  /**
   * The budget of a call made without a `deadline` (the store used directly; background retries), waiting
   * for a connection included. Calls from a receiver carry its deadline (`storeTimeoutMs`) and use that
   * instead. Past it the call rejects with `RedisStoreError`. Default 2 000 ms. Replaces `operationTimeoutMs`.
   */
  defaultTimeoutMs?: number;
  /**
   * A `complete` or `release` that fails (Redis restarting, a timeout) keeps being retried in the background
   * this long, so handlers that already ran are still recorded as done once Redis is back; a `claim` that
   * fails is handed back (released) the same way, in case it was applied and only its reply was lost.
   * Safe because each acts only for its own token. 0 turns it off. Default 30 000 ms.
   */
  retryWritesForMs?: number;
}

type ScriptCommand = (key: string, ...args: (string | number)[]) => Promise<unknown>;

const DEFAULT_PREFIX = "webhook-kit:";
const DEFAULT_TIMEOUT_MS = 2_000;
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
export class RedisStore implements IdempotencyStore, VersionStore {
  /** Every call settles by its deadline: the receiver sets no timer of its own around it. */
  readonly honoursDeadline = true;
  readonly #client: RedisClient;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #readiness: Readiness;
  readonly #retries: WriteRetries;

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
    this.#timeoutMs = positive("defaultTimeoutMs", options.defaultTimeoutMs, DEFAULT_TIMEOUT_MS);
    const retryFor = options.retryWritesForMs ?? DEFAULT_RETRY_WRITES_FOR_MS;
    if (!Number.isFinite(retryFor) || retryFor < 0) {
      throw new TypeError(`RedisStore: retryWritesForMs must be ≥ 0, got ${String(retryFor)}`);
    }
    this.#retries = new WriteRetries(retryFor);
    this.#readiness = new Readiness(this.#client);
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

  /** The Redis key that holds an entity's latest applied version (ordering): never a delivery key's. */
  versionKey(entity: string): string {
    return `${this.#prefix}version:{${keyText(entity)}}`;
  }

  /**
   * Resolves once Redis answers a PING, by `deadline` (default `defaultTimeoutMs` from now); reads and writes
   * no key. `receiver.health()` asks it.
   *
   * @example
   * await store.ping({ deadline: Date.now() + 500 });
   */
  ping(options?: CallDeadline): Promise<void> {
    const budgetMs = options?.deadline === undefined ? this.#timeoutMs : options.deadline - Date.now();
    if (!(budgetMs > 0)) return Promise.reject(timedOut("ping", budgetMs, this.#client.status, false));
    return new Promise((resolve, reject) => {
      let settled = false;
      let sent = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(timedOut("ping", budgetMs, this.#client.status, sent));
      }, budgetMs);
      const settle = (error?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error === undefined) return resolve();
        const reason = error instanceof Error ? error.message : String(error);
        reject(
          new RedisStoreError("ping", "unavailable", `RedisStore.ping failed: ${reason}`, {
            sent,
            cause: error,
          }),
        );
      };
      const send = () => {
        if (settled) return;
        sent = true;
        const answer = this.#client.ping?.() ?? Promise.resolve();
        answer.then(
          () => settle(),
          (error: unknown) => settle(error ?? new Error("PING failed")),
        );
      };
      const waiting = this.#readiness.wait();
      if (waiting) waiting.then(send, (error: unknown) => settle(error));
      else send();
    });
  }

  /** complete/release calls still being retried in the background after a failure. */
  get pendingWrites(): number {
    return this.#retries.size;
  }

  async claim(key: string, { leaseMs, deadline }: { leaseMs: number } & CallDeadline): Promise<ClaimResult> {
    const token = randomUUID();
    const lease = ms("leaseMs", leaseMs);
    let reply: unknown;
    try {
      reply = await this.#call("claim", deadline, COMMANDS.claim.name, key, token, lease);
    } catch (error) {
      // A claim that reached Redis may have been applied with its reply lost (Redis died mid-flight, or it
      // landed after the deadline, when the receiver had already answered 503). Nobody will run it, so hand
      // it back as soon as Redis answers: the sender's retry then claims it instead of meeting 409 for the
      // whole lease. One that never left the process (deadline already past, Redis down) needs nothing.
      if (!(error instanceof RedisStoreError) || error.sent) {
        this.#retries.schedule(() => this.#call("release", undefined, COMMANDS.release.name, key, token));
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

  async complete(
    key: string,
    token: string,
    { retentionMs, deadline }: { retentionMs: number } & CallDeadline,
  ): Promise<boolean> {
    const retention = ms("retentionMs", retentionMs); // validated once, before anything is retried
    const send = (by: number | undefined) =>
      this.#call("complete", by, COMMANDS.complete.name, key, token, retention);
    return (await this.#withRetries(send, deadline)) === 1;
  }

  async release(key: string, token: string, options?: CallDeadline): Promise<boolean> {
    const send = (by: number | undefined) => this.#call("release", by, COMMANDS.release.name, key, token);
    return (await this.#withRetries(send, options?.deadline)) === 1;
  }

  async renew(
    key: string,
    token: string,
    { leaseMs, deadline }: { leaseMs: number } & CallDeadline,
  ): Promise<boolean> {
    // Not retried in the background: the receiver renews again at the next interval.
    const lease = ms("leaseMs", leaseMs);
    return (await this.#call("renew", deadline, COMMANDS.renew.name, key, token, lease)) === 1;
  }

  async latestVersion(entity: string, options?: CallDeadline): Promise<number | undefined> {
    const reply = await this.#call("latestVersion", options?.deadline, COMMANDS.latestVersion.name, entity);
    if (reply === null || reply === undefined) return undefined;
    const held = Number(reply);
    if (!Number.isFinite(held)) throw unexpected("latestVersion", reply);
    return held;
  }

  /** One Lua script: compared and set in one round trip, as numbers (so 10 > 9), never backwards. */
  async advanceVersion(
    entity: string,
    version: number,
    { retentionMs, deadline }: { retentionMs: number } & CallDeadline,
  ): Promise<VersionAdvance> {
    if (!Number.isFinite(version)) {
      throw new RangeError(`RedisStore: version must be a finite number, got ${String(version)}`);
    }
    const retention = ms("retentionMs", retentionMs);
    const reply = await this.#call(
      "advanceVersion",
      deadline,
      COMMANDS.advanceVersion.name,
      entity,
      String(version),
      retention,
    );
    if (!Array.isArray(reply)) throw unexpected("advanceVersion", reply);
    const [code, held] = reply as [unknown, unknown];
    const latest = Number(held);
    if ((code !== 0 && code !== 1) || !Number.isFinite(latest)) throw unexpected("advanceVersion", reply);
    return { advanced: code === 1, latest };
  }

  /**
   * The caller still sees the failure (so it can log it); the write keeps trying behind it, each retry with
   * the default budget (the caller's deadline was the caller's).
   */
  async #withRetries(
    send: (deadline: number | undefined) => Promise<unknown>,
    deadline: number | undefined,
  ): Promise<unknown> {
    try {
      return await send(deadline);
    } catch (error) {
      this.#retries.schedule(() => send(undefined));
      throw error;
    }
  }

  /**
   * One script call, settled by `deadline` (default: defaultTimeoutMs from now), waiting for a connection
   * included; nothing is sent once it has passed. The only timer of the call: the receiver sets none around
   * a store that honours deadlines. Written as one hand-rolled promise (no Promise.race, no async wrappers):
   * it is on every delivery's hot path twice.
   */
  #call(
    operation: RedisStoreOperation,
    deadline: number | undefined,
    command: string,
    key: string,
    ...args: (string | number)[]
  ): Promise<unknown> {
    if (typeof key !== "string" || key === "") {
      return Promise.reject(new TypeError(`RedisStore.${operation}: key must be a non-empty string`));
    }
    const budgetMs = deadline === undefined ? this.#timeoutMs : deadline - Date.now();
    if (!(budgetMs > 0)) return Promise.reject(timedOut(operation, budgetMs, this.#client.status, false));
    return new Promise((resolve, reject) => {
      let settled = false;
      let sent = false;
      const timer = setTimeout(() => {
        settled = true;
        reject(timedOut(operation, budgetMs, this.#client.status, sent));
      }, budgetMs);
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
        const target =
          operation === "latestVersion" || operation === "advanceVersion"
            ? this.versionKey(key)
            : this.redisKey(key);
        fn.call(this.#client, target, ...args).then((reply) => {
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

function timedOut(
  operation: RedisStoreOperation,
  budgetMs: number,
  status: string,
  sent: boolean,
): RedisStoreError {
  const why =
    budgetMs > 0
      ? `no answer from Redis within ${Math.round(budgetMs)} ms`
      : "its deadline had passed before it started; nothing was sent";
  return new RedisStoreError(
    operation,
    "timeout",
    `RedisStore.${operation}: ${why} (client status: ${status})`,
    { sent },
  );
}

function unexpected(operation: RedisStoreOperation, reply: unknown): RedisStoreError {
  return new RedisStoreError(
    operation,
    "unavailable",
    `RedisStore.${operation}: unexpected reply ${JSON.stringify(reply)}`,
    { sent: true },
  );
}
