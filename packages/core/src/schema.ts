import type { z } from "zod";
import type { PayloadIssue } from "./errors.js";

export type Validation = { ok: true; value: unknown } | { ok: false; issues: PayloadIssue[] };

/** Runs one event's schema; unknown fields are kept by the presets' loose objects. */
export async function validatePayload(schema: z.ZodType, value: unknown): Promise<Validation> {
  // Sync parse first (the common case, and much cheaper); schemas with async refinements need the async path.
  let result: ReturnType<typeof schema.safeParse>;
  try {
    result = schema.safeParse(value);
  } catch {
    result = await schema.safeParseAsync(value);
  }
  if (result.success) return { ok: true, value: result.data };
  return {
    ok: false,
    issues: result.error.issues.map((issue) => ({ path: issue.path.join("."), message: issue.message })),
  };
}
