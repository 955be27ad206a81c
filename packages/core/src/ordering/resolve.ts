import { invalidConfig } from "../errors.js";
import type { WebhookEvent } from "../events.js";
import { type EventSchemas, type Provider, readField } from "../providers/define.js";
import { MAX_RETENTION_MS } from "../providers/timing.js";
import { hasVersions, type IdempotencyStore } from "../store/types.js";
import { tenantNamespace } from "../tenant-namespace.js";
import type { OrderingOptions, StaleInfo } from "./types.js";
import { comparableVersion as comparable } from "./version.js";

/** What one event is ordered by: its entity's stored key and its comparable version. */
export interface OrderingTarget {
  entity: string;
  version: number;
}

/**
 * Why an event is not guarded: no entity (runs, nothing to guard), or a version that is missing or cannot be
 * compared — its entity is still known, so `perEntity` still runs it alone.
 */
export type Unordered = undefined | { entity: string; unversioned: unknown };

/** The receiver's ordering, resolved once at start. */
export interface Ordering {
  /** The event's entity and version; undefined when it is not ordered. */
  target(event: WebhookEvent): OrderingTarget | Unordered;
  /** How long a latest version is remembered. */
  retentionMs: number;
  onStale: ((event: WebhookEvent, info: StaleInfo) => void) | undefined;
}

/** Entity ids longer than this are not ordered (a sender-chosen id must not bloat the store). */
const MAX_ENTITY_LENGTH = 512;
const MIN_RETENTION_MS = 30 * 24 * 60 * 60 * 1000;

export interface OrderingInput {
  ordering: boolean | OrderingOptions<never> | undefined;
  onStale: ((event: never, info: StaleInfo) => void) | undefined;
  provider: Provider<EventSchemas>;
  store: IdempotencyStore;
  queued: boolean;
  namespace: string;
  retentionMs: number;
}

/**
 * `ordering: true` → the preset's declaration (none: invalid_config); an object → its callbacks; false → off;
 * unset → on when the receiver has a queue and the preset declares one (safe by default: workers run in any
 * order). On needs a store with the version capability, else invalid_config naming the fix.
 */
export function resolveOrdering(input: OrderingInput): Ordering | undefined {
  const { ordering, provider, store, namespace } = input;
  const declared = provider.entityVersions;
  if (ordering === false) return undefined;
  if (ordering === undefined && !(input.queued && declared && declared.length > 0)) {
    if (input.onStale) throw invalidConfig("onStale needs `ordering` (true, or { entity, version }).");
    return undefined;
  }
  let target: Ordering["target"];
  let retention: number | undefined;
  if (ordering === true || ordering === undefined) {
    if (!declared || declared.length === 0) {
      throw invalidConfig(
        `ordering: true needs the provider to declare each event's entity and version, and "${provider.name}" declares none. Pass ordering: { entity: (event) => …, version: (event) => … } instead.`,
      );
    }
    target = declaredTarget(namespace, declared);
  } else {
    if (typeof ordering !== "object" || ordering === null) {
      throw invalidConfig("ordering must be true, false, or { entity(event), version(event) }.");
    }
    const { entity, version } = ordering as unknown as OrderingOptions;
    if (typeof entity !== "function" || typeof version !== "function") {
      throw invalidConfig(
        "ordering needs two functions: { entity: (event) => id, version: (event) => number | ISO timestamp }.",
      );
    }
    retention = (ordering as unknown as OrderingOptions).retentionMs;
    if (
      retention !== undefined &&
      !(Number.isFinite(retention) && retention > 0 && retention <= MAX_RETENTION_MS)
    ) {
      throw invalidConfig(`ordering.retentionMs must be > 0 and at most ${MAX_RETENTION_MS} ms (366 days).`);
    }
    if (retention !== undefined && retention < input.retentionMs) {
      // Forgotten before the sender stops retrying, an entity's version lets an old retry apply again.
      throw invalidConfig(
        `ordering.retentionMs (${retention} ms) is shorter than the receiver's retentionMs (${input.retentionMs} ms): a sender's late retry of an older event would find the newer version forgotten and apply. Raise it to at least ${input.retentionMs}, or leave it out (default: the retention, at least 30 days).`,
      );
    }
    target = (event) => {
      const id = entity(event as never);
      if (id === undefined) return undefined;
      return targetOf(
        `${tenantNamespace(namespace, event.tenant)}:${String(id)}`,
        id,
        version(event as never),
      );
    };
  }
  if (!hasVersions(store)) {
    throw invalidConfig(
      `ordering needs a store that remembers each entity's latest version (latestVersion/advanceVersion): MemoryStore, RedisStore and PostgresStore do (update @webhook-kit/redis or @webhook-kit/postgres). Pass such a store, or ordering: false to run every event whatever its order${ordering === undefined ? " (ordering is on by default with a queue for this preset)" : ""}.`,
    );
  }
  return {
    target,
    retentionMs: Math.ceil(
      retention ?? Math.min(MAX_RETENTION_MS, Math.max(input.retentionMs, MIN_RETENTION_MS)),
    ),
    onStale: input.onStale as Ordering["onStale"],
  };
}

function targetOf(key: string, id: unknown, raw: unknown): OrderingTarget | Unordered {
  if ((typeof id !== "string" && typeof id !== "number") || String(id) === "") return undefined;
  if (String(id).length > MAX_ENTITY_LENGTH) return undefined;
  if (raw === undefined) return { entity: key, unversioned: undefined };
  const version = comparable(raw);
  return version === undefined ? { entity: key, unversioned: raw } : { entity: key, version };
}

/** Reads a preset's declaration: the first entry whose types cover the event's. */
function declaredTarget(
  namespace: string,
  declared: NonNullable<Provider["entityVersions"]>,
): Ordering["target"] {
  return (event) => {
    const entry = declared.find((d) =>
      d.types.some((t) => (t.endsWith(".") ? event.type.startsWith(t) : event.type === t)),
    );
    if (!entry) return undefined;
    const id = readField(event.payload, entry.entity);
    // One tenant's entity is not another's, whatever their ids.
    const scope = tenantNamespace(namespace, event.tenant);
    return targetOf(`${scope}:${entry.kind}:${String(id)}`, id, readField(event.payload, entry.version));
  };
}
