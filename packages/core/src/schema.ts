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
  return isThenable(result) ? Promise.resolve(result).then(toValidation) : toValidation(result);
}

/** Standard Schema validators may answer with a Promise (async refinements). */
export function isThenable<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown }).then === "function";
}

function toValidation(result: StandardSchemaV1.Result<unknown>): PayloadValidation {
  if (!result.issues) return { ok: true, value: result.value };
  return {
    ok: false,
    issues: result.issues.map((issue) => ({ path: issuePath(issue.path), message: issue.message })),
  };
}

/** ["data", 0, "id"] or [{ key: "data" }, …] → "data.0.id" (the spec allows either form of segment). */
function issuePath(path: StandardSchemaV1.Issue["path"]): string {
  if (!path || path.length === 0) return "";
  return path
    .map((segment) => String(typeof segment === "object" && segment !== null ? segment.key : segment))
    .join(".");
}
