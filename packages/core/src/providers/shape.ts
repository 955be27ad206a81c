import { invalidConfig } from "../errors.js";
import { kindOf } from "../kind-of.js";

const isFunction = (value: unknown): boolean => typeof value === "function";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null &&
  typeof value === "object" &&
  !Array.isArray(value) &&
  !(value instanceof Map) &&
  !(value instanceof Set);

/** What every Standard Schema validator carries (zod 3.24+, zod 4, valibot, arktype, the presets' own). */
const isStandardSchema = (value: unknown): boolean => {
  if (value === null || (typeof value !== "object" && typeof value !== "function")) return false;
  const standard = (value as { "~standard"?: { validate?: unknown } })["~standard"];
  return typeof standard === "object" && standard !== null && isFunction(standard.validate);
};

/**
 * The parts of a provider definition every delivery uses, checked at start-up. TypeScript already requires
 * them; this is for JavaScript callers and `as` casts, so a missing part is an `invalid_config` naming it
 * instead of a TypeError deep inside `createReceiver` or the first delivery. `copied.from`, when given, is what
 * the caller passed before it was copied: a part only it has was not an own property (a class method).
 */
export function checkShape(where: string, definition: unknown, copied?: { from: unknown }): void {
  // A copy of `undefined` or of an array is an empty object: what was passed is what says so.
  const passed = copied ? copied.from : definition;
  if (!isRecord(passed) || !isRecord(definition)) {
    throw invalidConfig(`expected a provider definition object, got ${kindOf(passed)}.`, where);
  }
  const d = definition;
  // Past the check above, what was copied is a record too.
  const lost = (field: string): string =>
    copied && (copied.from as Record<string, unknown>)[field] !== undefined && d[field] === undefined
      ? ` It is not an own enumerable property of what you passed (a class method or a prototype's getter?): defineProvider copies own properties only, so pass a plain object, e.g. { ...parts, ${field}: parts.${field}.bind(parts) }.`
      : "";
  if (typeof d.name !== "string" || d.name.trim() === "") {
    throw invalidConfig(
      `name must be a non-empty string (e.g. "acme"), got ${kindOf(d.name)}.${lost("name")}`,
      where,
    );
  }
  const scheme = d.signature;
  if (!isRecord(scheme) || !isFunction(scheme.verify)) {
    throw invalidConfig(
      `signature must be a signature scheme such as hmacSignature({ header: "x-acme-signature", secret }), got ${kindOf(scheme)}${isRecord(scheme) ? " without a verify() method" : ""}.${lost("signature")}`,
      where,
    );
  }
  if (!isRecord(d.events)) {
    throw invalidConfig(
      `events must be a plain object of event type → validator ({} when you validate none), got ${kindOf(d.events)}.${lost("events")}`,
      where,
    );
  }
  for (const [type, schema] of Object.entries(d.events)) {
    if (schema !== undefined && !isStandardSchema(schema)) {
      throw invalidConfig(
        `events[${JSON.stringify(type)}] must be a Standard Schema validator (zod 3.24+ or 4, valibot, arktype: it has a "~standard" property with validate()), or undefined to route the event unvalidated; got ${kindOf(schema)} without "~standard".`,
        where,
      );
    }
  }
  for (const field of ["eventType", "idempotencyKey"] as const) {
    if (!isFunction(d[field])) {
      throw invalidConfig(
        `${field} must be a function of the delivery (e.g. ${field === "eventType" ? "({ body }) => body.type" : '({ headers }) => headers["x-acme-delivery"]'}), got ${kindOf(d[field])}.${lost(field)}`,
        where,
      );
    }
  }
  for (const field of ["attempt", "payload"] as const) {
    if (d[field] !== undefined && !isFunction(d[field])) {
      throw invalidConfig(
        `${field}, when given, must be a function of the delivery, got ${kindOf(d[field])}.`,
        where,
      );
    }
  }
  const headers = d.deliveryHeaders;
  if (headers !== undefined && (!Array.isArray(headers) || headers.some((h) => typeof h !== "string"))) {
    throw invalidConfig(
      `deliveryHeaders, when given, must be an array of header names (e.g. ["x-acme-delivery"]), got ${kindOf(headers)}${Array.isArray(headers) ? " holding something other than strings" : ""}.`,
      where,
    );
  }
}
