import { randomUUID } from "node:crypto";
import type {
  CallDeadline,
  ClaimResult,
  IdempotencyStore,
  VersionAdvance,
  VersionStore,
} from "@webhook-kit/core";
import type pg from "pg";
import { Batching } from "./batching.js";
import { PostgresStoreError, type PostgresStoreOperation } from "./errors.js";
import { identifier, MAX_SCHEMA_LENGTH, MAX_TABLE_LENGTH } from "./identifiers.js";
import { storageKey } from "./keys.js";
import {
  describeSql,
  missingTable,
  qualified,
  SCHEMA_SQLSTATES,
  schemaProblem,
  schemaSql,
  type TableName,
  versionsTable,
} from "./schema.js";
import {
  CLAIMED,
  COMPLETED,
  IN_PROGRESS,
  type Statement,
  type Statements,
  statements,
} from "./statements.js";
import { WriteRetries } from "./write-retries.js";

export interface PostgresStoreOptions {
  /** The app's `pg.Pool` (or one from `createPostgresPool`). The store never ends it. */
  pool: pg.Pool;
  /** Table name: a lower-case SQL identifier. Default `"webhook_kit_idempotency"`. */
  table?: string;
  /** Schema (namespace) of the table: a lower-case SQL identifier. Default `"public"`. */
  schema?: string;
  /**
   * The budget of a call made without a `deadline` (the store used directly; background retries), waiting
   * for a pool connection included. Calls from a receiver carry its deadline (`storeTimeoutMs`) and use that
   * instead. Past it the call rejects with `PostgresStoreError`. Default 2 000 ms. Replaces `operationTimeoutMs`.
   */
  defaultTimeoutMs?: number;
  /**
   * A `complete` or `release` that fails (PostgreSQL restarting, a timeout) keeps being retried in the
   * background this long, so handlers that already ran are still recorded as done once the database is back;
   * a `claim` whose outcome is unknown is handed back (released) the same way. Safe because each acts only
   * for its own token. 0 turns it off. Default 30 000 ms.
   */
  retryWritesForMs?: number;
  /**
   * Every this many claims, one bounded DELETE of expired rows runs in the background (no cron to set up).
   * 0 turns it off (then call `deleteExpired()` yourself). Default 100.
   */
  sweepEvery?: number;
  /** Rows one such DELETE removes at most. Default 1 000. */
  sweepBatch?: number;
  /**
   * Send the claims (and the completions) of one event-loop turn as one statement: one socket write and one
   * commit for all of them, each key still decided atomically on its row. Costs no latency (no timer).
   * Default true.
   */
  batchWrites?: boolean;
}

const DEFAULT_TABLE = "webhook_kit_idempotency";
const DEFAULT_SCHEMA = "public";
const DEFAULT_TIMEOUT_MS = 2_000;
const DEFAULT_RETRY_WRITES_FOR_MS = 30_000;
const DEFAULT_SWEEP_EVERY = 100;
const DEFAULT_SWEEP_BATCH = 1_000;
/** Calls per batched statement at most. */
const MAX_BATCH = 100;
/** A statement still running this many budgets after its caller gave up has its connection destroyed. */
const ABANDON_AFTER_BUDGETS = 5;
/** Tokens are randomUUID()s: anything else cannot own a claim, so it is refused without a round trip. */
const TOKEN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

type Rows = unknown[][];
interface Outcome {
  rows: Rows;
  rowCount: number;
}
/** How a statement ended after its caller had already been told "timeout". */
type LateOutcome = Outcome | { error: unknown };

interface RunOptions {
  /** When the call must be settled by (ms since epoch); default: `budgetMs` from now. */
  deadline?: number | undefined;
  /** Used without a deadline; default defaultTimeoutMs. */
  budgetMs?: number;
  /** Called with the real outcome of a statement that was still running when the budget passed. */
  late?: (outcome: LateOutcome) => void;
  /** Background retries: once sent, wait for the outcome instead of giving up at the budget. */
  patient?: boolean;
}

const ignore = () => {};

/**
 * The idempotency state in one PostgreSQL table, shared by every process that uses the same database and
 * table. Each operation is one statement on one row (one round trip, atomic): claim with a lease, then
 * complete / release / renew only for the token that owns the claim. Times are the database's clock.
 * Expired rows are deleted in small batches piggy-backed on claims.
 *
 * @example
 * import { createReceiver, providers } from "@webhook-kit/core";
 * import { createPostgresPool, PostgresStore } from "@webhook-kit/postgres";
 *
 * const pool = createPostgresPool({ connectionString: process.env.DATABASE_URL });
 * const store = new PostgresStore({ pool });
 * await store.createSchema(); // once at startup, or run PostgresStore.schemaSql() in your migrations
 * const receiver = createReceiver({
 *   provider: providers.eulabel({ secret: process.env.EULABEL_SECRET! }),
 *   store,
 * });
 */
export class PostgresStore implements IdempotencyStore, VersionStore {
  /** Every call settles by its deadline: the receiver sets no timer of its own around it. */
  readonly honoursDeadline = true;
  readonly #pool: pg.Pool;
  readonly #name: TableName;
  readonly #sql: Statements;
  readonly #timeoutMs: number;
  readonly #retries: WriteRetries;
  readonly #sweepEvery: number;
  readonly #sweepBatch: number;
  #claimsUntilSweep: number;
  #sweeping = false;
  #advancesUntilSweep: number;
  readonly #claims: Batching<ClaimItem, ClaimRow | undefined> | undefined;
  readonly #completes: Batching<CompleteItem, boolean> | undefined;

  constructor(options: PostgresStoreOptions) {
    const pool = options?.pool as unknown as Record<string, unknown> | undefined;
    // A pg.Client has connect() and query() too, but no pool counters: it cannot serve concurrent calls.
    if (!pool || typeof pool.connect !== "function" || typeof pool.idleCount !== "number") {
      throw new TypeError(
        "PostgresStore: `pool` must be a pg.Pool (node-postgres), e.g. createPostgresPool(url).",
      );
    }
    this.#pool = options.pool;
    this.#name = {
      table: identifier("table", options.table ?? DEFAULT_TABLE, MAX_TABLE_LENGTH),
      schema: identifier("schema", options.schema ?? DEFAULT_SCHEMA, MAX_SCHEMA_LENGTH),
    };
    this.#sql = statements(this.#name);
    this.#timeoutMs = positive("defaultTimeoutMs", options.defaultTimeoutMs, DEFAULT_TIMEOUT_MS);
    this.#retries = new WriteRetries(
      atLeastZero("retryWritesForMs", options.retryWritesForMs, DEFAULT_RETRY_WRITES_FOR_MS),
    );
    this.#sweepEvery = wholeAtLeastZero("sweepEvery", options.sweepEvery, DEFAULT_SWEEP_EVERY);
    this.#sweepBatch = wholeAtLeastZero("sweepBatch", options.sweepBatch, DEFAULT_SWEEP_BATCH) || 1;
    this.#claimsUntilSweep = this.#sweepEvery;
    this.#advancesUntilSweep = this.#sweepEvery;
    if (options.batchWrites !== false) {
      this.#claims = new Batching((items) => this.#sendClaims(items), MAX_BATCH);
      this.#completes = new Batching((items) => this.#sendCompletes(items), MAX_BATCH);
    }
    // pg.Pool emits "error" for an idle connection the server dropped (a restart). With no listener Node
    // would crash the process; the pool has already discarded that connection, so there is nothing to do.
    if (this.#pool.listenerCount("error") === 0) this.#pool.on("error", ignore);
  }

  /**
   * The SQL that creates the table and its expiry index (idempotent), for teams that run migrations
   * themselves; `createSchema()` runs exactly this.
   *
   * @example
   * // migrations/20260101_webhook_kit.sql — generated once:
   * console.log(PostgresStore.schemaSql({ table: "webhook_kit_idempotency" }));
   */
  static schemaSql(options: { table?: string; schema?: string } = {}): string {
    return schemaSql({
      table: identifier("table", options.table ?? DEFAULT_TABLE, MAX_TABLE_LENGTH),
      schema: identifier("schema", options.schema ?? DEFAULT_SCHEMA, MAX_SCHEMA_LENGTH),
    });
  }

  /** `"schema"."table"`, as the SQL names it. */
  get table(): string {
    return qualified(this.#name);
  }

  /** What the `key` column holds for a delivery key: the key itself, or `sha256:<hex>` (see docs/postgres.md). */
  storedKey(key: string): string {
    return storageKey(key);
  }

  /**
   * Resolves once PostgreSQL answers a read of no rows from the table (so the table and its columns are
   * there), by `deadline` (default `defaultTimeoutMs` from now); writes nothing. `receiver.health()` asks it.
   *
   * @example
   * await store.ping({ deadline: Date.now() + 500 });
   */
  async ping(options?: CallDeadline): Promise<void> {
    const text = `SELECT key, state, token, expires_at FROM ${this.table} LIMIT 0`;
    await this.#run(
      "ping",
      { text },
      [],
      options?.deadline === undefined ? {} : { deadline: options.deadline },
    );
  }

  /** complete/release calls (and hand-backs of uncertain claims) still being retried in the background. */
  get pendingWrites(): number {
    return this.#retries.size;
  }

  /**
   * Creates the table and its index when they do not exist (safe to run from many processes at once), then
   * checks that an existing table has the columns this version expects; rejects with a one-line
   * `PostgresStoreError` (reason "schema") saying what differs and how to fix it.
   */
  async createSchema(): Promise<void> {
    // One transaction under an advisory lock: concurrent CREATE TABLE IF NOT EXISTS can otherwise collide.
    const lockKey = `webhook-kit:${this.table}`.replaceAll("'", "''");
    const ddl = `BEGIN;
SELECT pg_advisory_xact_lock(hashtext('${lockKey}'));
${schemaSql(this.#name)}
COMMIT;`;
    await this.#run("createSchema", { text: ddl }, [], { budgetMs: Math.max(this.#timeoutMs, 10_000) });
    const problem = schemaProblem(this.#name, await this.#describe("createSchema"));
    if (problem) throw new PostgresStoreError("createSchema", "schema", problem, { maybeApplied: false });
  }

  async claim(key: string, { leaseMs, deadline }: { leaseMs: number } & CallDeadline): Promise<ClaimResult> {
    const item: ClaimItem = {
      key: keyOf("claim", key),
      token: randomUUID(),
      lease: ms("leaseMs", leaseMs),
      deadline,
    };
    refuseIfPast("claim", deadline); // before batching, so one late call cannot fail its turn's batch
    let row: ClaimRow | undefined;
    try {
      row = await (this.#claims ? this.#claims.add(item) : this.#sendClaims([item]).then((rows) => rows[0]));
    } catch (error) {
      // The connection broke with the statement sent: it may have been applied, and has ended either way.
      if (error instanceof PostgresStoreError && error.maybeApplied && error.reason !== "timeout") {
        this.#handBack(item);
      }
      throw error;
    }
    this.#afterClaim();
    // No row: a concurrent claim committed the key after this statement's snapshot; it holds the key now.
    if (!row) return { status: "in_progress", retryAfterMs: Math.min(item.lease, 1_000) };
    const [code, remaining] = row;
    if (code === CLAIMED) return { status: "claimed", token: item.token };
    if (code === COMPLETED) return { status: "completed" };
    if (code === IN_PROGRESS)
      return { status: "in_progress", retryAfterMs: Math.max(1, Math.ceil(remaining)) };
    const detail = `PostgresStore.claim: unexpected row ${JSON.stringify(row)}`;
    throw new PostgresStoreError("claim", "unavailable", detail, { maybeApplied: false });
  }

  /**
   * A claim applied after its caller gave up (its reply lost, or it ran late behind a lock): nobody will run
   * it, so it is handed back instead of blocking the sender's retries for the whole lease. Called only once
   * the claim's own statement has ended, so the release cannot run before the claim does.
   */
  #handBack(item: ClaimItem): void {
    this.#retries.schedule(() =>
      this.#run("release", this.#sql.release, [item.key, item.token], { patient: true }),
    );
  }

  /** One statement for the claims of one turn: the single-key form for one, `claimMany` for several. */
  async #sendClaims(items: ClaimItem[]): Promise<(ClaimRow | undefined)[]> {
    const deadline = earliest(items);
    const late = (outcome: LateOutcome) => {
      if (!("rows" in outcome)) {
        if (!databaseError(outcome.error)) for (const item of items) this.#handBack(item);
        return;
      }
      const rows = claimRows(items.length, outcome.rows);
      for (let i = 0; i < items.length; i++) if (rows[i]?.[0] === CLAIMED) this.#handBack(items[i]!);
    };
    const [first] = items as [ClaimItem];
    const result =
      items.length === 1
        ? await this.#run("claim", this.#sql.claim, [first.key, first.token, first.lease], { late, deadline })
        : await this.#run("claim", this.#sql.claimMany, columns(items, "key", "token", "lease"), {
            late,
            deadline,
          });
    return claimRows(items.length, result.rows);
  }

  async complete(
    key: string,
    token: string,
    { retentionMs, deadline }: { retentionMs: number } & CallDeadline,
  ): Promise<boolean> {
    const stored = keyOf("complete", key);
    const retention = ms("retentionMs", retentionMs); // validated once, before anything is retried
    if (!isToken(token)) return false;
    const item: CompleteItem = {
      key: stored,
      token,
      retention,
      deadline,
      retry: () =>
        this.#retries.schedule(() =>
          this.#run("complete", this.#sql.complete, [stored, token, retention], { patient: true }),
        ),
    };
    try {
      refuseIfPast("complete", deadline);
      return await (this.#completes
        ? this.#completes.add(item)
        : this.#sendCompletes([item]).then((done) => done[0]!));
    } catch (error) {
      if (shouldRetryNow(error)) item.retry();
      throw error;
    }
  }

  /** One statement for the completions of one turn. */
  async #sendCompletes(items: CompleteItem[]): Promise<boolean[]> {
    const deadline = earliest(items);
    // Still running when the callers gave up: retried only if it then fails.
    const late = (outcome: LateOutcome) => {
      if ("error" in outcome) for (const item of items) item.retry();
    };
    const [first] = items as [CompleteItem];
    if (items.length === 1) {
      const result = await this.#run(
        "complete",
        this.#sql.complete,
        [first.key, first.token, first.retention],
        { late, deadline },
      );
      return [result.rowCount === 1];
    }
    const values = columns(items, "key", "token", "retention");
    const done = new Set(
      (await this.#run("complete", this.#sql.completeMany, values, { late, deadline })).rows.map((r) => r[0]),
    );
    return items.map((item) => done.has(item.key));
  }

  async release(key: string, token: string, options?: CallDeadline): Promise<boolean> {
    const stored = keyOf("release", key);
    if (!isToken(token)) return false;
    return this.#write("release", this.#sql.release, [stored, token], options?.deadline);
  }

  async renew(
    key: string,
    token: string,
    { leaseMs, deadline }: { leaseMs: number } & CallDeadline,
  ): Promise<boolean> {
    const stored = keyOf("renew", key);
    const lease = ms("leaseMs", leaseMs);
    if (!isToken(token)) return false;
    // Not retried in the background: the receiver renews again at the next interval.
    return (await this.#run("renew", this.#sql.renew, [stored, token, lease], { deadline })).rowCount === 1;
  }

  async latestVersion(entity: string, options?: CallDeadline): Promise<number | undefined> {
    const stored = keyOf("latestVersion", entity);
    const { rows } = await this.#run("latestVersion", this.#sql.latestVersion, [stored], {
      deadline: options?.deadline,
    });
    return rows.length === 0 ? undefined : Number(rows[0]![0]);
  }

  /** One statement: compared and set on the entity's row in one round trip, never backwards. */
  async advanceVersion(
    entity: string,
    version: number,
    { retentionMs, deadline }: { retentionMs: number } & CallDeadline,
  ): Promise<VersionAdvance> {
    const stored = keyOf("advanceVersion", entity);
    if (!Number.isFinite(version)) {
      throw new RangeError(`PostgresStore: version must be a finite number, got ${String(version)}`);
    }
    const retention = ms("retentionMs", retentionMs);
    const { rows } = await this.#run(
      "advanceVersion",
      this.#sql.advanceVersion,
      [stored, version, retention],
      { deadline },
    );
    this.#afterAdvance();
    const row = rows[0];
    // Not advanced: the row holds at least `version`. The statement's snapshot may predate a concurrent
    // advance (or miss a row inserted meanwhile), so the latest it read is raised to that floor.
    if (!row) return { advanced: false, latest: version };
    if (row[0] === true) return { advanced: true, latest: Number(row[1]) };
    return { advanced: false, latest: Math.max(Number(row[1]), version) };
  }

  /**
   * Deletes up to `limit` rows whose lease or retention has passed, oldest first, through the `expires_at`
   * index, and answers how many. Claims already do this in the background every `sweepEvery` claims; call it
   * from a job of your own if you turned that off.
   */
  async deleteExpired(limit = this.#sweepBatch): Promise<number> {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(
        `PostgresStore.deleteExpired: limit must be a positive integer, got ${String(limit)}`,
      );
    }
    return (await this.#run("deleteExpired", this.#sql.deleteExpired, [limit])).rowCount;
  }

  /** Expired version rows go the same way as expired keys: a bounded DELETE every `sweepEvery` advances. */
  #afterAdvance(): void {
    if (this.#sweepEvery === 0 || --this.#advancesUntilSweep > 0) return;
    this.#advancesUntilSweep = this.#sweepEvery;
    this.#run("deleteExpired", this.#sql.deleteExpiredVersions, [this.#sweepBatch]).catch(ignore);
  }

  /** One sweep at a time; sooner again while it finds full batches (a backlog), never awaited by a claim. */
  #afterClaim(): void {
    if (this.#sweepEvery === 0 || --this.#claimsUntilSweep > 0 || this.#sweeping) return;
    this.#sweeping = true;
    this.#claimsUntilSweep = this.#sweepEvery;
    this.#advancesUntilSweep = this.#sweepEvery;
    this.deleteExpired().then(
      (deleted) => {
        this.#sweeping = false;
        if (deleted >= this.#sweepBatch) this.#claimsUntilSweep = Math.ceil(this.#sweepEvery / 10);
      },
      () => {
        this.#sweeping = false;
      },
    );
  }

  /**
   * release: the caller still sees a failure (so it can log it); the write keeps trying behind it until it
   * lands or `retryWritesForMs` passes. A statement still running when the caller gave up is retried only if
   * it then fails, so a slow database is not handed a second copy of every write.
   */
  async #write(
    operation: "release",
    statement: Statement,
    values: unknown[],
    deadline: number | undefined,
  ): Promise<boolean> {
    const retry = () =>
      this.#retries.schedule(() => this.#run(operation, statement, values, { patient: true }));
    try {
      const late = (outcome: LateOutcome) => "error" in outcome && retry();
      return (await this.#run(operation, statement, values, { late, deadline })).rowCount === 1;
    } catch (error) {
      if (shouldRetryNow(error)) retry();
      throw error;
    }
  }

  async #describe(operation: PostgresStoreOperation): Promise<Rows> {
    return (await this.#run(operation, { text: describeSql(this.#name) }, [])).rows;
  }

  /** Turns a statement error that means "wrong or missing table" into the one-line message that says so. */
  async #schemaError(
    operation: PostgresStoreOperation,
    error: DatabaseErrorLike,
  ): Promise<PostgresStoreError> {
    const versions = operation === "latestVersion" || operation === "advanceVersion";
    const table = versions ? qualified(versionsTable(this.#name)) : this.table;
    let message = error.code === "42P01" ? missingTable(table) : undefined;
    if (!message) {
      const rows = await this.#describe(operation).catch(() => undefined);
      message =
        (rows && schemaProblem(this.#name, rows)) ??
        `PostgresStore.${operation}: table ${this.table} does not fit this version of @webhook-kit/postgres (PostgreSQL said: ${error.message}). Compare it with PostgresStore.schemaSql() (docs/postgres.md, "Schema").`;
    }
    return new PostgresStoreError(operation, "schema", message, {
      maybeApplied: false,
      cause: error,
      sqlState: error.code,
    });
  }

  /**
   * One statement on a pool connection, settled by its deadline (default: the budget from now), waiting for
   * a connection included; nothing starts once it has passed. The only timer of the call: the receiver sets
   * none around a store that honours deadlines. A connection that arrives after the caller gave up goes straight back unused; a
   * statement still running when the caller gives up keeps its connection until it ends (or is destroyed
   * after ABANDON_AFTER_BUDGETS budgets), so the pool never hands out a busy connection.
   */
  #run(
    operation: PostgresStoreOperation,
    statement: Statement | { text: string },
    values: unknown[],
    options: RunOptions = {},
  ): Promise<Outcome> {
    const { deadline, late, patient = false } = options;
    const budgetMs = deadline === undefined ? (options.budgetMs ?? this.#timeoutMs) : deadline - Date.now();
    const past = pastDeadline(operation, budgetMs);
    if (past) return Promise.reject(past);
    // A statement's connection is destroyed only well past the default budget, however short the deadline.
    const abandonMs = Math.max(budgetMs, this.#timeoutMs) * ABANDON_AFTER_BUDGETS;
    return new Promise<Outcome>((resolve, reject) => {
      let settled = false;
      let running = false;
      const pool = this.#pool;
      const timer = setTimeout(() => {
        if (running && patient) return; // sent: wait for the outcome (bounded by the abandon timer)
        settled = true;
        const waiting = running
          ? "the statement was sent and has not answered (a lock, a slow or hung server)"
          : `waiting for a pool connection (${pool.totalCount} open, ${pool.idleCount} idle, ${pool.waitingCount} waiting)`;
        reject(
          new PostgresStoreError(
            operation,
            "timeout",
            `PostgresStore.${operation}: no answer from PostgreSQL within ${Math.round(budgetMs)} ms; ${waiting}`,
            { maybeApplied: running },
          ),
        );
      }, budgetMs);
      const fail = (error: PostgresStoreError) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      pool.connect().then(
        (client) => {
          if (settled) {
            client.release(); // the caller gave up while this connection was on its way
            return;
          }
          running = true;
          // A connection that breaks while checked out emits "error" on the client, which the pool does not
          // listen to then: without a listener Node would crash the process.
          client.on("error", ignore);
          let released = false;
          const giveBack = (error?: Error) => {
            if (released) return;
            released = true;
            clearTimeout(abandon);
            client.off("error", ignore);
            client.release(error);
          };
          const abandon = setTimeout(
            () => giveBack(new Error("PostgresStore: statement abandoned")),
            abandonMs,
          );
          abandon.unref?.();
          const query = { ...statement, values, rowMode: "array" } as pg.QueryArrayConfig;
          client.query(query).then(
            (answer) => {
              giveBack();
              if (settled) {
                late?.(lastResult(answer));
                return;
              }
              settled = true;
              clearTimeout(timer);
              // Several statements in one simple query (createSchema) answer one result each: keep the last.
              const result = (
                Array.isArray(answer) ? answer[answer.length - 1] : answer
              ) as pg.QueryArrayResult;
              resolve({ rows: result.rows, rowCount: result.rowCount ?? 0 });
            },
            (error: unknown) => {
              const database = databaseError(error);
              // A server-side error leaves the connection usable; anything else (a broken socket) may not.
              giveBack(database ? undefined : asError(error));
              if (settled) {
                late?.({ error });
                return;
              }
              if (database && SCHEMA_SQLSTATES.has(database.code)) {
                this.#schemaError(operation, database).then(fail, fail);
                return;
              }
              fail(
                new PostgresStoreError(
                  operation,
                  "unavailable",
                  `PostgresStore.${operation} failed: ${asError(error).message}`,
                  // An error PostgreSQL answered means the statement (one implicit transaction) was not applied.
                  { maybeApplied: !database, cause: error, sqlState: database?.code },
                ),
              );
            },
          );
        },
        (error: unknown) =>
          fail(
            new PostgresStoreError(
              operation,
              "unavailable",
              `PostgresStore.${operation}: no connection to PostgreSQL: ${asError(error).message}`,
              { maybeApplied: false, cause: error },
            ),
          ),
      );
    });
  }
}

/** Several statements in one simple query (createSchema) answer one result each: the last one counts. */
function lastResult(answer: pg.QueryArrayResult | pg.QueryArrayResult[]): Outcome {
  const result = Array.isArray(answer) ? answer[answer.length - 1]! : answer;
  return { rows: result.rows, rowCount: result.rowCount ?? 0 };
}

type ClaimRow = [code: number, remainingMs: number];
interface ClaimItem {
  key: string;
  token: string;
  lease: number;
  deadline: number | undefined;
}
interface CompleteItem {
  key: string;
  token: string;
  retention: number;
  deadline: number | undefined;
  /** Schedules this completion's background retries. */
  retry(): void;
}

/** Rows of `claim` ([code, ms]) or `claimMany` ([n, code, ms]) by input position; code 0 or none: raced. */
function claimRows(count: number, rows: Rows): (ClaimRow | undefined)[] {
  const out: (ClaimRow | undefined)[] = new Array(count).fill(undefined);
  for (const row of rows) {
    const [n, code, remaining] = row.length === 2 ? [1, row[0], row[1]] : row;
    if (code !== 0) out[Number(n) - 1] = [Number(code), Number(remaining)];
  }
  return out;
}

/**
 * A batch's deadline: the earliest of its calls'. A receiver gives every call of one turn the same budget,
 * so they are all but equal; none means the default budget.
 */
function earliest(items: readonly { deadline: number | undefined }[]): number | undefined {
  let first: number | undefined;
  for (const { deadline } of items) {
    if (deadline !== undefined && (first === undefined || deadline < first)) first = deadline;
  }
  return first;
}

/** The timeout error of a call whose deadline has already passed (nothing was started), if it has. */
function pastDeadline(operation: PostgresStoreOperation, budgetMs: number): PostgresStoreError | undefined {
  if (budgetMs > 0) return undefined;
  return new PostgresStoreError(
    operation,
    "timeout",
    `PostgresStore.${operation}: its deadline had passed before it started; nothing was sent`,
    { maybeApplied: false },
  );
}

function refuseIfPast(operation: PostgresStoreOperation, deadline: number | undefined): void {
  const past = deadline === undefined ? undefined : pastDeadline(operation, deadline - Date.now());
  if (past) throw past;
}

/** Parallel arrays, one per field: how `claimMany` / `completeMany` take their input. */
function columns<T, K extends keyof T>(items: T[], ...fields: K[]): unknown[][] {
  return fields.map((field) => items.map((item) => item[field]));
}

/**
 * A failed write worth retrying at once: not a schema problem (hopeless), and not a statement still
 * running after its budget (its real outcome decides, through `late`).
 */
function shouldRetryNow(error: unknown): boolean {
  if (!(error instanceof PostgresStoreError)) return true;
  if (error.reason === "schema") return false;
  return !(error.reason === "timeout" && error.maybeApplied);
}

interface DatabaseErrorLike extends Error {
  code: string;
}

/** An error PostgreSQL itself answered with (it carries a five-character SQLSTATE). */
function databaseError(error: unknown): DatabaseErrorLike | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? (error as DatabaseErrorLike) : undefined;
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function keyOf(operation: PostgresStoreOperation, key: string): string {
  if (typeof key !== "string" || key === "") {
    throw new TypeError(`PostgresStore.${operation}: key must be a non-empty string`);
  }
  return storageKey(key);
}

const isToken = (token: string): boolean => typeof token === "string" && TOKEN.test(token);

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) {
    throw new TypeError(`PostgresStore: ${name} must be > 0 ms, got ${String(value)}`);
  }
  return value;
}

function atLeastZero(name: string, value: number | undefined, fallback: number): number {
  const n = value ?? fallback;
  if (!Number.isFinite(n) || n < 0)
    throw new TypeError(`PostgresStore: ${name} must be ≥ 0, got ${String(n)}`);
  return n;
}

function wholeAtLeastZero(name: string, value: number | undefined, fallback: number): number {
  const n = atLeastZero(name, value, fallback);
  if (!Number.isInteger(n))
    throw new TypeError(`PostgresStore: ${name} must be a whole number, got ${String(n)}`);
  return n;
}

/** Leases and retention are whole milliseconds ≥ 1, like RedisStore's. */
function ms(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`PostgresStore: ${name} must be > 0 ms, got ${String(value)}`);
  }
  return Math.ceil(value);
}
