/** 366 days: the same ceiling core puts on a receiver's `retentionMs`. */
const MAX_RETENTION_MS = 366 * 24 * 60 * 60_000;

/**
 * Bounds of the duration options, in ms. The upper one is Node's longest timer (≈ 24.8 days): BullMQ arms
 * timers from these values, and a longer one fires at once. `lockDurationMs` is at least 1 s because the lock
 * is renewed every half of it: below that, any event-loop stall loses it and the job runs twice.
 */
export const OPTION_BOUNDS = {
  lockDurationMs: { min: 1_000, max: 2 ** 31 - 1 },
  stalledIntervalMs: { min: 100, max: 2 ** 31 - 1 },
  timeoutMs: { min: 1, max: 2 ** 31 - 1 },
  completedRetentionMs: { min: 1, max: MAX_RETENTION_MS },
} as const;

const COMMON_KEYS = ["name", "onError", "maxStalledCount", ...Object.keys(OPTION_BOUNDS)];
const REDIS_KEYS = ["connection", "prefix"];
const POSTGRES_KEYS = ["postgres", "migrate"];
const ALL_KEYS = [...COMMON_KEYS, ...REDIS_KEYS, ...POSTGRES_KEYS];

const fail = (message: string): never => {
  throw new TypeError(`BullMQQueue: ${message}`);
};

/** What a value is, for an error message, without its content (a connection string may hold a password). */
export function kindOf(value: unknown, showNumber = true): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "number" && showNumber) return Number.isNaN(value) ? "NaN" : String(value);
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

/** The valid name a misspelled one was most likely meant as (edit distance ≤ a third of it), if any. */
export function closest(name: string, valid: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of valid) {
    const distance = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  // "lockDuration" → "lockDurationMs" is a missing unit, not a different word.
  if (best !== undefined && (bestDistance <= Math.max(2, name.length / 3) || best.startsWith(name)))
    return best;
  return undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Hash tags balanced: every `{` closed by a `}` before the next `{`, and no `}` without its `{`. */
function balancedBraces(text: string): boolean {
  let open = false;
  for (const char of text) {
    if (char === "{") {
      if (open) return false;
      open = true;
    } else if (char === "}") {
      if (!open) return false;
      open = false;
    }
  }
  return !open;
}

const isPlainObject = (value: unknown): value is object =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Checks every option of `new BullMQQueue(...)` before anything connects: a bad value would otherwise show
 * up later as a job stuck running (a lock of 0 ms) or a misleading connection error. Throws a `TypeError`
 * naming the option, the kind of value given (never its content), and the fix. Returns the backend chosen.
 */
export function checkQueueOptions(options: unknown): "redis" | "postgres" {
  if (!isPlainObject(options))
    fail(
      `pass an options object, e.g. { connection: "redis://127.0.0.1:6379", name: "eulabel" }; got ${kindOf(options)}.`,
    );
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (ALL_KEYS.includes(key)) continue;
    const guess = closest(key, ALL_KEYS);
    fail(
      `unknown option "${key}"; ${guess ? `did you mean "${guess}"?` : `the options are ${ALL_KEYS.join(", ")}.`}`,
    );
  }
  const hasRedis = given.connection !== undefined;
  const hasPostgres = given.postgres !== undefined;
  if (hasRedis === hasPostgres)
    fail(
      hasRedis
        ? "pass `connection` (Redis) or `postgres` (PostgreSQL), not both: a queue lives in one place."
        : 'pass exactly one of `connection` (Redis) or `postgres` (PostgreSQL), e.g. connection: "redis://127.0.0.1:6379".',
    );
  for (const [key, { min, max }] of Object.entries(OPTION_BOUNDS)) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < min || value > max)
      fail(
        `${key} must be an integer from ${min} to ${max} (ms); got ${kindOf(value)}. Leave it out for the default.`,
      );
  }
  if (given.maxStalledCount !== undefined && typeof given.maxStalledCount !== "number")
    fail(
      `maxStalledCount (deprecated, ignored) must be a number if given; got ${kindOf(given.maxStalledCount)}.`,
    );
  if (given.onError !== undefined && typeof given.onError !== "function")
    fail(`onError must be a function (error) => void; got ${kindOf(given.onError)}.`);
  if (hasRedis) {
    checkRedis(given);
    return "redis";
  }
  checkPostgres(given);
  return "postgres";
}

function checkRedis(given: Record<string, unknown>): void {
  const { connection, prefix } = given;
  if (given.migrate !== undefined)
    fail("migrate applies to `postgres` only: a Redis queue has no schema; leave migrate out.");
  if (typeof connection === "string") {
    if (!/^rediss?:\/\//i.test(connection))
      fail(
        'connection must be a redis:// or rediss:// URL (e.g. "redis://127.0.0.1:6379"), ioredis options, or an ioredis client; got a string that is not a redis:// URL.',
      );
  } else if (!isPlainObject(connection)) {
    fail(
      `connection must be a redis:// or rediss:// URL, ioredis options, or an ioredis client; got ${kindOf(connection, false)}.`,
    );
  }
  if (prefix === undefined) return;
  if (typeof prefix !== "string" || prefix === "")
    fail(`prefix must be a non-empty string (default "bull"); got ${kindOf(prefix)}.`);
  const text = prefix as string;
  if (!balancedBraces(text))
    fail(
      `prefix "${text}" has an unbalanced hash tag: write each "{" with its "}" and nothing nested, e.g. "{app}".`,
    );
}

function checkPostgres(given: Record<string, unknown>): void {
  const { postgres, migrate } = given;
  if (given.prefix !== undefined)
    fail(
      "prefix applies to `connection` (Redis) only; on PostgreSQL pass `schema` in the pool config instead.",
    );
  if (migrate !== undefined && typeof migrate !== "boolean")
    fail(`migrate must be true or false; got ${kindOf(migrate)}.`);
  if (typeof postgres === "string") {
    if (!/^postgres(ql)?:\/\//i.test(postgres))
      fail(
        'postgres must be a postgres:// or postgresql:// connection string (e.g. "postgres://user@127.0.0.1:5432/app"), a pool config, or a pg.Pool; got a string that is not such a URL.',
      );
  } else if (!isPlainObject(postgres)) {
    fail(
      `postgres must be a postgres:// or postgresql:// connection string, a pool config, or a pg.Pool; got ${kindOf(postgres, false)}.`,
    );
  }
}
