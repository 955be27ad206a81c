import { quote } from "./identifiers.js";

/** Where the store's table lives: validated identifiers. */
export interface TableName {
  schema: string;
  table: string;
}

export const qualified = ({ schema, table }: TableName): string => `${quote(schema)}.${quote(table)}`;

/** The table beside it that holds each entity's latest applied version (ordering). */
export const versionsTable = (name: TableName): TableName => ({
  schema: name.schema,
  table: `${name.table}_versions`,
});

/** The columns (and `format_type` spelling) this version reads and writes. */
export const EXPECTED_COLUMNS: ReadonlyArray<readonly [name: string, type: string]> = [
  ["key", "text"],
  ["state", "text"],
  ["token", "uuid"],
  ["expires_at", "timestamp with time zone"],
];

/**
 * The table and the index that expiry needs, as a DBA would write them. `createSchema()` runs exactly this,
 * and docs/postgres.md prints it for the default names.
 */
export function schemaSql(name: TableName): string {
  const table = qualified(name);
  return `CREATE TABLE IF NOT EXISTS ${table} (
  key        text COLLATE "C" PRIMARY KEY,  -- delivery key; keys over 200 characters are stored as sha256:<hex>
  state      text NOT NULL CHECK (state IN ('processing', 'completed')),
  token      uuid NOT NULL,                 -- owner of the claim; only it can complete, release or renew
  expires_at timestamptz NOT NULL           -- end of the lease (processing) or of the retention (completed)
);
CREATE INDEX IF NOT EXISTS ${quote(`${name.table}_expires_at`)} ON ${table} (expires_at);
CREATE TABLE IF NOT EXISTS ${qualified(versionsTable(name))} (
  key        text COLLATE "C" PRIMARY KEY,  -- entity key (ordering), stored like delivery keys
  version    float8 NOT NULL,               -- latest applied version: a number, or a timestamp in epoch µs
  expires_at timestamptz NOT NULL           -- forgotten after this (the receiver's ordering retention)
);
CREATE INDEX IF NOT EXISTS ${quote(`${name.table}_versions_exp`)} ON ${qualified(versionsTable(name))} (expires_at);`;
}

/** One row per column of the table (none when it does not exist), plus whether `key` is its primary key. */
export function describeSql(name: TableName): string {
  return `SELECT a.attname::text, format_type(a.atttypid, a.atttypmod),
  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisprimary
          AND i.indnatts = 1 AND i.indkey[0] = a.attnum) AS primary_key
FROM pg_attribute a
WHERE a.attrelid = to_regclass('${qualified(name).replaceAll("'", "''")}') AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`;
}

/** What is wrong with the described table, in one line; undefined when it is what this version expects. */
export function schemaProblem(name: TableName, rows: readonly unknown[][]): string | undefined {
  const table = qualified(name);
  if (rows.length === 0) return missingTable(table);
  const found = new Map(rows.map(([column, type]) => [String(column), String(type)]));
  const wrong = EXPECTED_COLUMNS.filter(([column, type]) => found.get(column) !== type);
  const keyIsPrimary = rows.some(([column, , primary]) => column === "key" && primary === true);
  if (wrong.length === 0 && keyIsPrimary) return undefined;
  const expected = EXPECTED_COLUMNS.map(([column, type]) => `${column} ${type}`).join(", ");
  const actual = rows.map(([column, type]) => `${column} ${type}`).join(", ");
  return `PostgresStore: table ${table} was not created by this version of @webhook-kit/postgres (expected columns ${expected}, with key as primary key; found ${actual}${keyIsPrimary ? "" : ", key not primary"}). Move it aside (ALTER TABLE … RENAME) and run \`await store.createSchema()\`, or migrate it as "Upgrading the table" in docs/postgres.md describes.`;
}

export const missingTable = (table: string): string =>
  `PostgresStore: table ${table} does not exist. Create it once with \`await store.createSchema()\` at startup, or apply the SQL from \`PostgresStore.schemaSql()\` (printed in docs/postgres.md, "Schema") in your migrations.`;

/**
 * SQLSTATEs that mean "the table is not what the statements expect": undefined table or column, wrong types,
 * no unique index for ON CONFLICT, a constraint this version does not satisfy.
 */
export const SCHEMA_SQLSTATES = new Set([
  "42P01", // undefined_table
  "42703", // undefined_column
  "42804", // datatype_mismatch
  "42883", // undefined_function (e.g. text = uuid)
  "42P10", // invalid_column_reference (ON CONFLICT without a matching unique index)
  "22P02", // invalid_text_representation (a column of another type)
  "23502", // not_null_violation (a column this version does not fill)
  "23514", // check_violation
]);
