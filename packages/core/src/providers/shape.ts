import { invalidConfig } from "../errors.js";

const kindOf = (value: unknown): string => {
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return "an array";
  const type = typeof value;
  return type === "object" ? "an object" : `a ${type}`;
};

const isFunction = (value: unknown): boolean => typeof value === "function";

/**
 * The parts of a provider definition every delivery uses, checked at start-up. TypeScript already requires
 * them; this is for JavaScript callers and `as` casts, so a missing part is an `invalid_config` naming it
 * instead of a TypeError deep inside the first request (or inside `createReceiver`).
 */
export function checkShape(where: string, definition: unknown): void {
  if (definition === null || typeof definition !== "object") {
    throw invalidConfig(`expected a provider definition object, got ${kindOf(definition)}.`, where);
  }
  const d = definition as Record<string, unknown>;
  if (typeof d.name !== "string" || d.name.trim() === "") {
    throw invalidConfig(`name must be a non-empty string (e.g. "acme"), got ${kindOf(d.name)}.`, where);
  }
  const scheme = d.signature as Record<string, unknown> | null | undefined;
  if (scheme === null || typeof scheme !== "object" || !isFunction(scheme.verify)) {
    throw invalidConfig(
      `signature must be a signature scheme such as hmacSignature({ header: "x-acme-signature", secret }), got ${kindOf(scheme)}${scheme && typeof scheme === "object" ? " without a verify() method" : ""}.`,
      where,
    );
  }
  if (d.events === null || typeof d.events !== "object" || Array.isArray(d.events)) {
    throw invalidConfig(
      `events must be an object of event type → validator ({} when you validate none), got ${kindOf(d.events)}.`,
      where,
    );
  }
  for (const field of ["eventType", "idempotencyKey"] as const) {
    if (!isFunction(d[field])) {
      throw invalidConfig(
        `${field} must be a function of the delivery (e.g. ${field === "eventType" ? "({ body }) => body.type" : '({ headers }) => headers["x-acme-delivery"]'}), got ${kindOf(d[field])}.`,
        where,
      );
    }
  }
  for (const field of ["attempt", "payload"] as const) {
    if (d[field] !== undefined && !isFunction(d[field])) {
      throw invalidConfig(`${field}, when given, must be a function of the delivery, got ${kindOf(d[field])}.`, where);
    }
  }
}
