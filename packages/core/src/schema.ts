import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { PayloadIssue } from "./errors.js";

/** What validating one payload gave: the validator's output, or its issues as the error body lists them. */
export type PayloadValidation = { ok: true; value: unknown } | { ok: false; issues: PayloadIssue[] };

/**
 * Validates a payload with any Standard Schema validator (zod 3.24+, zod 4, valibot, arktype, …).
 *
 * Answers synchronously when the validator does (zod, valibot and arktype do for schemas without async
 * refinements): the receiver awaits only a real Promise, so the hot path costs one call and no extra tick.
 * A validator that throws is not caught here: that is a bug in the schema, not a bad delivery.
 */
export function validatePayload(
  schema: StandardSchemaV1,
  value: unknown,
): PayloadValidation | Promise<PayloadValidation> {
  const result = schema["~standard"].validate(value);
  // Promise.resolve: any thenable a validator returns becomes a native Promise, the one thing callers await.
  return isThenable(result)
    ? Promise.resolve(result).then((settled) => toValidation(settled, value))
    : toValidation(result, value);
}

/** Standard Schema validators may answer with a Promise (async refinements). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}

function toValidation(result: StandardSchemaV1.Result<unknown>, input: unknown): PayloadValidation {
  if (!result.issues) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => {
      const keys = pathKeys(issue.path);
      const path = shownPath(keys, input, issue.message);
      const message = path.quotedKey ? KEY_WITHHELD : safeMessage(issue.message, valueAt(input, keys));
      return { path: path.text, message };
    }),
  };
}

/** What stands for a key of the payload that an error body does not repeat. */
const HIDDEN_KEY = "*";
const KEY_WITHHELD =
  "invalid or unexpected key (the validator's message quoted a key name from the payload, so it is withheld)";
/** A key shaped like a field name: shown when the payload has it and the message does not complain about it. */
const FIELD_NAME = /^[A-Za-z_$][A-Za-z0-9_$-]{0,39}$/;

/**
 * The issue's path as an error body shows it. A key the payload does not have came from the schema (a
 * missing field) and is shown. A key the payload has may be the sender's own choice (a record's key, an
 * unknown key of a strict object), so it is shown only when it is an index into an array, or shaped like a
 * field name (`FIELD_NAME`) and not quoted by the message (a validator quotes the key it refuses); any
 * other becomes `*`. `quotedKey`: the message names a key so replaced, and is withheld.
 */
function shownPath(
  keys: readonly string[],
  input: unknown,
  message: string,
): { text: string; quotedKey: boolean } {
  let container = input;
  let quotedKey = false;
  const shown = keys.map((key) => {
    const here = container;
    const present = here !== null && typeof here === "object" && Object.hasOwn(here, key);
    container = present ? (here as Record<string, unknown>)[key] : undefined;
    if (!present) return key;
    if (Array.isArray(here) && /^(0|[1-9]\d*)$/.test(key)) return key;
    const quotedAsName = quotedIn(message, key);
    if (FIELD_NAME.test(key) && !quotedAsName) return key;
    if (quotedAsName || (key !== "" && quotes(message, key))) quotedKey = true;
    return HIDDEN_KEY;
  });
  return { text: shown.join("."), quotedKey };
}

/** ["data", 0, "id"] or [{ key: "data" }, …] → ["data", "0", "id"] (the spec allows either form of segment). */
function pathKeys(path: StandardSchemaV1.Issue["path"]): string[] {
  if (!path) return [];
  // Only `key`: valibot's segments also carry the input and value, which must never reach an error body.
  return path.map((segment) =>
    String(typeof segment === "object" && segment !== null ? segment.key : segment),
  );
}

function valueAt(input: unknown, keys: readonly string[]): unknown {
  let value = input;
  for (const key of keys) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** How many leading characters of a long string value count as quoting it (libraries may truncate). */
const QUOTED_PREFIX = 12;

/**
 * The validator's message, unless it quotes the offending value: some libraries do (valibot's "received
 * "…"", zod 3's enum "received '…'", arktype's "(was "…")"), and error bodies never carry the payload.
 */
function safeMessage(message: string, value: unknown): string {
  if (value !== null && typeof value === "object") {
    return quotesKey(message, value)
      ? "unexpected or invalid keys (the validator's message quoted key names from the payload, so it is withheld)"
      : message;
  }
  if (value === null || value === undefined || typeof value === "function") return message;
  const text = String(value);
  const quoted =
    quotes(message, text) || (text.length > QUOTED_PREFIX && message.includes(text.slice(0, QUOTED_PREFIX)));
  return quoted
    ? `invalid ${typeof value} (the validator's message quoted the value, so it is withheld)`
    : message;
}

/**
 * Whether `message` quotes one of the object's own keys, as zod's strict objects do ("Unrecognized key(s)
 * in object: 'x'", zod 4: `Unrecognized key: "x"`): the sender chose those names. A field-like name counts
 * only when quoted, so a schema's own message that mentions a field in plain words is kept; any other key
 * (markup, spaces, symbols) counts wherever it appears.
 */
function quotesKey(message: string, value: object): boolean {
  if (Array.isArray(value)) return false; // indexes are not names a sender chose
  for (const key in value) {
    if (key === "") continue;
    // A field-like name counts only when quoted; any other key counts wherever it appears as a token.
    if (FIELD_NAME.test(key) ? quotedIn(message, key) : quotes(message, key)) return true;
  }
  return false;
}

/** The quote pairs validators (and custom messages) wrap a name in. */
const QUOTE_PAIRS = ["''", '""', "``", "«»", "“”", "‘’", "‹›"] as const;

/** Whether `message` quotes `key` in any common style ('x', "x", `x`, «x», “x”, ‘x’). */
function quotedIn(message: string, key: string): boolean {
  return QUOTE_PAIRS.some((pair) => message.includes(`${pair[0]}${key}${pair[1]}`));
}

/** `text` as a whole token of `message` (so the value 1 is found in "received 1", not in "expected 10"). */
function quotes(message: string, text: string): boolean {
  for (let at = message.indexOf(text); at !== -1; at = message.indexOf(text, at + 1)) {
    const before = message.charCodeAt(at - 1);
    const after = message.charCodeAt(at + text.length);
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

function isWordChar(code: number): boolean {
  // NaN (outside the string) counts as a boundary.
  return (
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95
  );
}
