/**
 * Table and schema names are spliced into SQL (identifiers cannot be bound as parameters), so only plain,
 * lower-case identifiers are accepted: letters, digits and underscores, not starting with a digit. They are
 * quoted anyway. 48 characters at most for the table, so the derived index name stays within PostgreSQL's
 * 63-byte limit instead of being silently truncated (two tables could then share one index name).
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export const MAX_TABLE_LENGTH = 48;
export const MAX_SCHEMA_LENGTH = 63;

/** The identifier itself, or a TypeError that says what is allowed. */
export function identifier(what: "table" | "schema", value: unknown, maxLength: number): string {
  if (typeof value !== "string" || !IDENTIFIER.test(value) || value.length > maxLength) {
    throw new TypeError(
      `PostgresStore: ${what} must be a lower-case SQL identifier (a-z, 0-9 and _, not starting with a digit, at most ${maxLength} characters), got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** `"name"`: safe because `identifier` admitted only [a-z0-9_]. */
export const quote = (name: string): string => `"${name}"`;
