import type { Handler, WebhookEvent } from "./events.js";
import { describeHandler, stableName } from "./handler-ids.js";

/**
 * One registered handler and the id a durable job records its success under. Handlers without a stable id
 * share their type's unit id: the unit counts as done only when all of them succeeded in one run.
 */
export interface Route {
  readonly id: string;
  readonly handler: Handler<WebhookEvent>;
  /** Set for a member of its type's unit: how logs name it, since the id names the whole unit. */
  readonly member?: string;
}

/** One registration: the handler and the id it was given (expanded per type), if any. */
interface Entry {
  readonly handler: Handler<WebhookEvent>;
  readonly id: string | undefined;
}

/** Unknown types chosen by a sender must not grow the per-type cache without limit. */
const MAX_CACHED_TYPES = 1024;

/**
 * The handler registry. A durable job records which handlers succeeded by id, so an id must mean the same
 * handler in the next deploy. The ids, per type (docs/durable.md, "Handler ids"):
 * - `{ id }` given: that id (registered for several types at once: `<id>:<type>`);
 * - else a stable function name, unique among the type's handlers: `<type>@<name>`;
 * - else (bound, anonymous, minified, repeated names): one unit per type, `<type>@unnamed`. Nothing tells such
 *   handlers apart across deploys (every bound function prints `[native code]`; a factory's closures share
 *   their source), so a unit's success is never recorded: it runs again whenever its job runs again.
 * Ids written by earlier releases (`<type>#…`) match none of these: such a handler runs again, never skipped.
 */
export class Router {
  readonly #byType = new Map<string, Entry[]>();
  // Per-type lists including "*" handlers, built once per type and dropped whenever the registry changes.
  readonly #cache = new Map<string, readonly Route[]>();

  add(types: readonly string[], handler: Handler<WebhookEvent>, id?: string): void {
    if (id !== undefined && (typeof id !== "string" || id === "")) {
      throw new TypeError("receiver.on: `id` must be a non-empty string that names this handler for good.");
    }
    for (const type of types) {
      const entryId = id === undefined ? undefined : types.length > 1 ? `${id}:${type}` : id;
      if (entryId !== undefined && this.#explicitIds().has(entryId)) {
        throw new TypeError(`receiver.on: a handler with id "${entryId}" is already registered.`);
      }
      const list = this.#byType.get(type) ?? [];
      list.push({ handler, id: entryId });
      this.#byType.set(type, list);
    }
    this.#cache.clear();
  }

  /** Removes `handler` from `types`; true when something was removed. */
  remove(types: readonly string[], handler: Handler<WebhookEvent>): boolean {
    let removed = false;
    for (const type of types) {
      const list = this.#byType.get(type);
      const index = list?.findIndex((entry) => entry.handler === handler) ?? -1;
      if (list && index >= 0) {
        list.splice(index, 1);
        removed = true;
      }
    }
    this.#cache.clear();
    return removed;
  }

  routes(type: string): readonly Route[] {
    let list = this.#cache.get(type);
    if (!list) {
      const explicit = this.#explicitIds();
      list =
        type === "*"
          ? this.#compile("*", explicit)
          : [...this.#compile(type, explicit), ...this.#compile("*", explicit)];
      if (this.#cache.size >= MAX_CACHED_TYPES) this.#cache.clear();
      this.#cache.set(type, list);
    }
    return list;
  }

  /** "type: handler" for every handler that is part of a unit (has no stable id), registration order. */
  unstable(): string[] {
    const out: string[] = [];
    for (const type of this.#byType.keys()) {
      for (const route of this.#compile(type, this.#explicitIds())) {
        if (route.member !== undefined) out.push(`${type}: ${route.member}`);
      }
    }
    return out;
  }

  /** The routes of one registered type (not "*"'s), each with its id. */
  #compile(type: string, explicit: ReadonlySet<string>): Route[] {
    const entries = this.#byType.get(type) ?? [];
    const counts = new Map<string, number>();
    for (const { handler, id } of entries) {
      const name = id === undefined ? stableName(handler) : undefined;
      if (name !== undefined) counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    // A name given twice, or taken by an explicit id, tells no handler apart: the unit takes it.
    const ownId = ({ handler, id }: Entry): string | undefined => {
      if (id !== undefined) return id;
      const name = stableName(handler);
      const derived = `${type}@${name}`;
      return name !== undefined && counts.get(name) === 1 && !explicit.has(derived) ? derived : undefined;
    };
    const ids = entries.map(ownId);
    const unitId = `${type}@unnamed`;
    return entries.map(({ handler }, i) => {
      const id = ids[i];
      if (id !== undefined) return { id, handler };
      return { id: unitId, handler, member: memberName(type, handler, counts) };
    });
  }

  #explicitIds(): Set<string> {
    const ids = new Set<string>();
    for (const list of this.#byType.values()) for (const { id } of list) if (id !== undefined) ids.add(id);
    return ids;
  }
}

/** How a warning names a unit member: why it has no id of its own. */
function memberName(
  type: string,
  handler: Handler<WebhookEvent>,
  counts: ReadonlyMap<string, number>,
): string {
  const name = stableName(handler);
  if (name === undefined) return describeHandler(handler);
  const count = counts.get(name) ?? 0;
  return count > 1
    ? `"${name}" (${count} handlers of ${type} have this name)`
    : `"${name}" (its id ${type}@${name} is taken by an explicit id)`;
}
