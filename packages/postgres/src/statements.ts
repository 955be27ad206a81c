import { createHash } from "node:crypto";
import { qualified, type TableName } from "./schema.js";

/** A named (prepared once per connection) statement, rows as arrays. */
export interface Statement {
  name: string;
  text: string;
}

export interface Statements {
  claim: Statement;
  complete: Statement;
  release: Statement;
  renew: Statement;
  deleteExpired: Statement;
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
  return {
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
    complete: named(
      "complete",
      `UPDATE ${table} SET state = 'completed', expires_at = now() + ${ms("$3")}
WHERE key = $1 AND token = $2::uuid AND state = 'processing' AND expires_at > now()`,
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
