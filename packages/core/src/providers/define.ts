import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { CryptoProvider } from "../crypto.js";
import { toHex, utf8 } from "../encoding.js";
import type { HandshakeInput } from "../handshake.js";
import type { SignatureScheme } from "../signature/scheme.js";
import { retentionForSchedule } from "./retention.js";
import { checkShape } from "./shape.js";
import { DEFAULT_SENDER_TIMEOUT_MS } from "./time.js";
import { checkTiming } from "./timing.js";

/**
 * Event type → validator of its payload: any Standard Schema (zod 3.24+, zod 4, valibot, arktype, …).
 * An entry may exist for its type alone and be absent at run time (see `TypedEvents`): such an event is
 * routed, typed, with its payload as sent.
 */
export type EventSchemas = { readonly [type: string]: StandardSchemaV1 | undefined };

/** A validator whose output is `P`: what a preset declares for each event it validates. */
export type PayloadSchema<P> = StandardSchemaV1<unknown, P>;

/**
 * Event type → payload type, typed with no validator at run time: for a sender's published types (GitHub's
 * webhook types, the `stripe` package's `Stripe.Event`). Nothing checks such a payload; the types are a promise
 * the sender makes, as they are in octokit and stripe-node.
 *
 * @example
 * const acme = defineProvider<TypedEvents<{ "order.paid": { orderId: string } }>>({ ...rest, events: {} });
 */
export type TypedEvents<Payloads> = { readonly [K in keyof Payloads]?: PayloadSchema<Payloads[K]> };

/** `Base` with the entries of `Override` (the user's own validators) in place of those of the same name. */
export type WithEvents<Base, Override> = [keyof Override] extends [never]
  ? Base
  : [keyof Base] extends [never]
    ? Override
    : Omit<Base, keyof Override> & Override;

export type JsonObject = Readonly<Record<string, unknown>>;

/** What a provider reads one delivery from, after its signature was verified. */
export interface DeliveryContext {
  /** The parsed JSON body (always an object). */
  body: JsonObject;
  headers: Readonly<Record<string, string>>;
  rawBody: Uint8Array;
  /** Lower-case hex SHA-256 of bytes or text: for keys derived from what a retry repeats exactly. */
  sha256Hex(data: Uint8Array | string): Promise<string>;
  /** What the signature covered, when the scheme computed it apart from the raw body (`Verified`). */
  signedContent?: Uint8Array | undefined;
}

export interface ProviderDefinition<E extends EventSchemas> {
  /** Short stable name, e.g. "eulabel": it prefixes idempotency keys and appears in logs. */
  name: string;
  signature: SignatureScheme;
  /**
   * Known events and their payload validators (Standard Schema). Unknown fields are kept by the presets'
   * loose objects; an event with no validator here is routed with its payload as sent.
   */
  events: E;
  /**
   * True when the sender delivers event types beyond `events` (GitHub, Stripe, Standard Webhooks declare only
   * the ones they validate): `receiver.on()` then accepts any name without a warning.
   */
  routesUndeclared?: boolean;
  /** Where the event type lives. */
  eventType(delivery: DeliveryContext): string | undefined;
  /** Identifies one delivery of one event: never the endpoint, never the resource. */
  idempotencyKey(
    delivery: DeliveryContext & { type: string },
  ): string | undefined | Promise<string | undefined>;
  /** Which attempt this is, when the sender says so. */
  attempt?(delivery: DeliveryContext): number | undefined;
  /** The payload handlers receive, when it is not the whole body (e.g. a `data` envelope stays whole by default). */
  payload?(delivery: DeliveryContext & { type: string }): unknown;
  /**
   * The request headers, besides the signature, that this provider reads or its sender documents (delivery
   * id, event name, timestamp, attempt; lower-case). With `content-type` and the receiver's `queuedHeaders`,
   * they are the only headers a queued job keeps, so the only ones a worker's `event.headers` holds.
   */
  deliveryHeaders?: readonly string[];
  /** What the signature covers, in words (e.g. "the raw body"), for people and tools to read. */
  signs?: string;
  /** How long the sender waits for an answer (ms, > 0, at most 1 h): the ack deadline is derived from it. */
  timeoutMs?: number;
  /**
   * The sender's retry schedule: the delay before each attempt (ms, finite, ≥ 0), the first 0. `retentionMs` is derived
   * from it when not given, and `@webhook-kit/testing` replays it.
   */
  retrySchedule?: readonly number[];
  /**
   * How long a completed key is remembered (ms, > 0, at most 366 days): longer than the sender's whole retry schedule. Default:
   * `retentionForSchedule(retrySchedule, timeoutMs)` when there is a schedule, else the receiver's default.
   */
  retentionMs?: number;
  /** How long an in-progress claim holds before another process may take it over (ms, > 0, at most 1 h). */
  leaseMs?: number;
  /** The sender's published source addresses (CIDR), if any. */
  allowedIps?: readonly string[];
  /**
   * The sender's verification request(s), answered by the receiver itself before any event (Slack's
   * `url_verification`, Zoom's `endpoint.url_validation`, CloudEvents' `OPTIONS`): only on routes whose
   * receiver has this provider, and for a POST only once its signature verified.
   */
  handshake?: HandshakeInput;

  // --- ordering (issue #21): which entity each event is about and how recent it is ---
  /**
   * Which entity each event is about and its version, read from the payload, as the sender's documents give
   * them: `createReceiver({ ordering: true })` uses it (and turns it on by default with a queue). Events of
   * types no entry covers are not ordered.
   */
  entityVersions?: readonly EntityVersionDeclaration[];
  // --- end ordering ---
}

// --- ordering (issue #21) ---
/**
 * A preset's declaration of which entity its events are about and how recent each is (data, read with
 * dotted paths from the payload). Events of other types are not ordered.
 */
export interface EntityVersionDeclaration {
  /** Names the entity kind in its key (`<namespace>:<kind>:<id>`), e.g. "passport". */
  kind: string;
  /** Event types it covers: exact names, or prefixes ending in "." ("passport."). */
  types: readonly string[];
  /** Dotted path to the entity's id, e.g. "id" or "data.externalId". */
  entity: string;
  /** Dotted path to the version: a number, or an ISO-8601 timestamp with an offset. */
  version: string;
}

// --- end ordering ---

/** A configured platform: a preset or the result of `defineProvider`. */
export interface Provider<E extends EventSchemas = EventSchemas> extends ProviderDefinition<E> {
  readonly kind: "webhook-kit/provider";
}

/**
 * Describes any platform not covered by a preset; event names and payloads are typed from your schemas —
 * any Standard Schema validator: zod 3.24+ or 4, valibot, arktype, … (mix them freely).
 *
 * @example
 * const acme = defineProvider({
 *   name: "acme",
 *   signature: hmacSignature({ header: "x-acme-signature", prefix: "sha256=", secret: process.env.ACME_SECRET! }),
 *   events: { "order.paid": z.looseObject({ orderId: z.string(), total: z.number() }) },
 *   eventType: ({ body }) => body.type as string | undefined,
 *   idempotencyKey: ({ headers }) => headers["x-acme-delivery"],
 *   timeoutMs: 15_000,
 *   retrySchedule: [0, 60_000, 600_000], // retention: the last attempt + a quarter, at least 10 min
 * });
 *
 * Throws `invalid_config` when a required part (name, signature, events, eventType, idempotencyKey) is missing
 * or not of its kind, or when a timing fact is out of range: `timeoutMs` and `leaseMs` finite, > 0, at most
 * 1 h; each `retrySchedule` delay finite and ≥ 0; `retentionMs` (given or derived) finite, > 0, at most 366 days.
 */
export function defineProvider<const E extends EventSchemas>(definition: ProviderDefinition<E>): Provider<E> {
  // The provider is a copy: what is checked is what the receiver will read.
  const copy = { ...definition };
  checkShape("defineProvider", copy, { from: definition });
  checkTiming("defineProvider", copy);
  const { retrySchedule, retentionMs } = copy;
  if (retentionMs !== undefined || retrySchedule === undefined) {
    return { ...copy, kind: "webhook-kit/provider" };
  }
  const timeoutMs = copy.timeoutMs ?? DEFAULT_SENDER_TIMEOUT_MS;
  return {
    ...copy,
    retentionMs: retentionForSchedule(retrySchedule, timeoutMs, "defineProvider"),
    kind: "webhook-kit/provider",
  };
}

/** The delivery a provider reads; `type` is filled in once the provider named it. */
export function deliveryContext(
  body: JsonObject,
  headers: Readonly<Record<string, string>>,
  rawBody: Uint8Array,
  sha256Hex: DeliveryContext["sha256Hex"],
  signedContent?: Uint8Array,
): DeliveryContext & { type: string } {
  return { body, headers, rawBody, sha256Hex, signedContent, type: "" };
}

/** One hashing function per receiver, shared by every delivery. */
export function hasher(crypto: CryptoProvider): DeliveryContext["sha256Hex"] {
  return async (data) => {
    const bytes = typeof data === "string" ? utf8(data) : data;
    return crypto.sha256Hex ? crypto.sha256Hex(bytes) : toHex(await crypto.sha256(bytes));
  };
}

/** Reads a dotted path from a JSON object; undefined when any step is missing. */
export function readField(body: unknown, path: string): unknown {
  if (!path.includes(".")) {
    // The common case (a top-level "event" / "type"): no split, no array per delivery.
    return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[path] : undefined;
  }
  let value: unknown = body;
  for (const part of path.split(".")) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

export const asString = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 ? value : undefined;
