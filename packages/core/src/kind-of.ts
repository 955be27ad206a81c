/**
 * What kind of value a configuration mistake holds, for its message ("got a string", "got a Map"): the
 * kind only, never the value, which may be a secret.
 */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Map) return "a Map";
  if (value instanceof Set) return "a Set";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
}
