import type { Handler, WebhookEvent } from "./events.js";

/** One registered handler and the id that records its success in a durable job. */
export interface Route {
  readonly id: string;
  readonly handler: Handler<WebhookEvent>;
}

/** Unknown types chosen by a sender must not grow the per-type cache without limit. */
const MAX_CACHED_TYPES = 1024;

/**
 * The handler registry. A durable job records which handlers succeeded by id, so ids must mean the same
 * handler in the next deploy: the default is `type#<hash of the handler's source>` (a handler added, removed
 * or moved does not shift the others; identical sources get `~2`, `~3` in registration order); `{ id }` pins one.
 */
export class Router {
  readonly #byType = new Map<string, Route[]>();
  // Per-type lists including "*" handlers, built once per type and dropped whenever the registry changes.
  readonly #cache = new Map<string, readonly Route[]>();

  add(types: readonly string[], handler: Handler<WebhookEvent>, id?: string): void {
    for (const type of types) {
      const list = this.#byType.get(type) ?? [];
      const routeId =
        id === undefined ? this.#defaultId(type, handler) : types.length > 1 ? `${id}:${type}` : id;
      if (id !== undefined && this.#idTaken(routeId)) {
        throw new TypeError(`receiver.on: a handler with id "${routeId}" is already registered.`);
      }
      list.push({ id: routeId, handler });
      this.#byType.set(type, list);
    }
    this.#cache.clear();
  }

  /** Removes `handler` from `types`; true when something was removed. */
  remove(types: readonly string[], handler: Handler<WebhookEvent>): boolean {
    let removed = false;
    for (const type of types) {
      const list = this.#byType.get(type);
      const index = list?.findIndex((route) => route.handler === handler) ?? -1;
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
      list = [...(this.#byType.get(type) ?? []), ...(this.#byType.get("*") ?? [])];
      if (this.#cache.size >= MAX_CACHED_TYPES) this.#cache.clear();
      this.#cache.set(type, list);
    }
    return list;
  }

  #defaultId(type: string, handler: Handler<WebhookEvent>): string {
    const base = `${type}#${fnv1a(String(handler))}`;
    let id = base;
    for (let n = 2; this.#idTaken(id); n++) id = `${base}~${n}`;
    return id;
  }

  #idTaken(id: string): boolean {
    for (const list of this.#byType.values()) if (list.some((route) => route.id === id)) return true;
    return false;
  }
}

/** FNV-1a, 32 bits, as 8 hex digits: a short, stable name for a handler's source text. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, "0");
}
