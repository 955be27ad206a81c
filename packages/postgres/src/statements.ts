import { createHash } from "node:crypto";
import { qualified, type TableName, versionsTable } from "./schema.js";

/** A named (prepared once per connection) statement, rows as arrays. */
export interface Statement {
  name: string;
  text: string;
}

export interface Statements {
  claim: Statement;
  /** claim for several distinct keys at once: ($1 keys[], $2 tokens[], $3 lease ms[]) → (n, code, ms left). */
  claimMany: Statement;
  complete: Statement;
  /** complete for several distinct keys at once: ($1 keys[], $2 tokens[], $3 retention ms[]) → the keys done. */
  completeMany: Statement;
  release: Statement;
  renew: Statement;
  deleteExpired: Statement;
  /** ($1 entity) → (version) while live. */
  latestVersion: Statement;
  /** ($1 entity, $2 version, $3 retention ms) → (advanced, latest); no row when a concurrent insert raced it. */
  advanceVersion: Statement;
  /** ($1 limit) deletes expired version rows. */
  deleteExpiredVersions: Statement;
}

/** Claim outcome codes, as `claim` returns them in its first column. */
export const CLAIMED = 1;
export const IN_PROGRESS = 2;
export const COMPLETED = 3;

const ms = (param: string) => `(${param}::float8 * interval '1 millisecond')`;

/**
 * The store's operations, each one statement (one round trip, atomic on the key's row). Times are the
 * server's `now()`, so every process shares one clock, as with Redis' own expiry.
 *
 * claim($1 key, $2 token, $3 lease ms) → (1, 0) claimed | (2, ms left) in progress | (3, ms left) completed, or
 * no row when a concurrent claim committed the key after this statement's snapshot was taken (then it is
 * held by that claim: in progress). The read of the live row costs no write for a duplicate; the INSERT …
 * ON CONFLICT decides atomically who owns the key, taking over only a row whose time has passed.
 */
export function statements(name: TableName): Statements {
  const table = qualified(name);
  // Statement names are per connection: one set per table (and per version of the SQL), so two stores on two
  // tables, or two package versions, sharing one pool never swap statements.
  const tag = createHash("sha256").update(`v1 ${table}`).digest("hex").slice(0, 12);
  const named = (op: string, text: string): Statement => ({ name: `webhook_kit_${op}_${tag}`, text });
  const versions = qualified(versionsTable(name));
  return {
    latestVersion: named(
      "latest_version",
      `SELECT version FROM ${versions} WHERE key = $1 AND expires_at > now()`,
    ),
    // Max semantics on the row: the update applies only to a smaller (or expired) version, and a concurrent
    // advance waits for the row lock and re-checks, so of equal versions exactly one advances. The SELECT
    // reads the snapshot: a row another statement inserted meanwhile is missing from it (no row: not
    // advanced, latest unknown but at least this version).
    advanceVersion: named(
      "advance_version",
      `WITH up AS (
  INSERT INTO ${versions} AS v (key, version, expires_at)
  VALUES ($1, $2::float8, now() + ${ms("$3")})
  ON CONFLICT (key) DO UPDATE SET version = EXCLUDED.version, expires_at = EXCLUDED.expires_at
    WHERE v.version < EXCLUDED.version OR v.expires_at <= now()
  RETURNING version
)
SELECT true, version FROM up
UNION ALL
SELECT false, version FROM ${versions} WHERE key = $1 AND NOT EXISTS (SELECT 1 FROM up)`,
    ),
    deleteExpiredVersions: named(
      "delete_expired_versions",
      `DELETE FROM ${versions} WHERE key IN (
  SELECT key FROM ${versions} WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expires_at <= now()`,
    ),
    claim: named(
      "claim",
      `WITH live AS (
  SELECT state, expires_at FROM ${table} WHERE key = $1 AND expires_at > now()
), claimed AS (
  INSERT INTO ${table} AS s (key, state, token, expires_at)
  SELECT $1, 'processing', $2::uuid, now() + ${ms("$3")}
  WHERE NOT EXISTS (SELECT 1 FROM live)
  ON CONFLICT (key) DO UPDATE
    SET state = 'processing', token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
    WHERE s.expires_at <= now()
  RETURNING 1
)
SELECT ${CLAIMED}, 0::float8 FROM claimed
UNION ALL
SELECT CASE state WHEN 'completed' THEN ${COMPLETED} ELSE ${IN_PROGRESS} END,
       extract(epoch FROM expires_at - now())::float8 * 1000
FROM live`,
    ),
    // The same, one row per input (n = its position). Code 0: a concurrent claim won the key after this
    // statement's snapshot (in progress). Rows are inserted in key order, so two batches never lock two
    // keys in opposite orders (a deadlock).
    claimMany: named(
      "claim_many",
      `WITH input AS (
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::float8[]) WITH ORDINALITY AS u(key, token, lease, n)
), live AS (
  SELECT t.key, t.state, t.expires_at FROM ${table} t JOIN input i ON t.key = i.key WHERE t.expires_at > now()
), claimed AS (
  INSERT INTO ${table} AS s (key, state, token, expires_at)
  SELECT i.key, 'processing', i.token, now() + ${ms("i.lease")}
  FROM input i WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.key = i.key)
  ORDER BY i.key COLLATE "C"
  ON CONFLICT (key) DO UPDATE
    SET state = 'processing', token = EXCLUDED.token, expires_at = EXCLUDED.expires_at
    WHERE s.expires_at <= now()
  RETURNING s.key
)
SELECT i.n::int4,
       CASE WHEN c.key IS NOT NULL THEN ${CLAIMED} WHEN l.state = 'completed' THEN ${COMPLETED}
            WHEN l.key IS NOT NULL THEN ${IN_PROGRESS} ELSE 0 END,
       coalesce(extract(epoch FROM l.expires_at - now())::float8 * 1000, 0)
FROM input i LEFT JOIN claimed c ON c.key = i.key LEFT JOIN live l ON l.key = i.key`,
    ),
    complete: named(
      "complete",
      `UPDATE ${table} SET state = 'completed', expires_at = now() + ${ms("$3")}
WHERE key = $1 AND token = $2::uuid AND state = 'processing' AND expires_at > now()`,
    ),
    completeMany: named(
      "complete_many",
      `UPDATE ${table} AS s SET state = 'completed', expires_at = now() + ${ms("i.retention")}
FROM (
  SELECT * FROM unnest($1::text[], $2::uuid[], $3::float8[]) AS u(key, token, retention) ORDER BY key COLLATE "C"
) AS i
WHERE s.key = i.key AND s.token = i.token AND s.state = 'processing' AND s.expires_at > now()
RETURNING s.key`,
    ),
    release: named(
      "release",
      `DELETE FROM ${table} WHERE key = $1 AND token = $2::uuid AND state = 'processing' AND expires_at > now()`,
    ),
    renew: named(
      "renew",
      `UPDATE ${table} SET expires_at = now() + ${ms("$3")}
WHERE key = $1 AND token = $2::uuid AND state = 'processing' AND expires_at > now()`,
    ),
    // Oldest first through the expires_at index; rows another statement holds are skipped, not waited for.
    deleteExpired: named(
      "delete_expired",
      `DELETE FROM ${table} WHERE key IN (
  SELECT key FROM ${table} WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED
) AND expires_at <= now()`,
    ),
  };
}
