import type { Handler, WebhookEvent } from "./events.js";

/** One registered handler and the id that records its success in a durable job. */
export interface Route {
  readonly id: string;
  readonly handler: Handler<WebhookEvent>;
}

/** Unknown types chosen by a sender must not grow the per-type cache without limit. */
const MAX_CACHED_TYPES = 1024;

/**
 * The handler registry. Ids are `type#n` (the n-th handler registered for that type, or "*"), so the same
 * receiver definition run by a worker on another machine names each handler the same way; `{ id }` pins one.
 */
export class Router {
  readonly #byType = new Map<string, Route[]>();
  // Per-type lists including "*" handlers, built once per type and dropped whenever the registry changes.
  readonly #cache = new Map<string, readonly Route[]>();
  // Counted, not list.length: an id must never be reused after `remove`.
  readonly #registered = new Map<string, number>();

  add(types: readonly string[], handler: Handler<WebhookEvent>, id?: string): void {
    for (const type of types) {
      const list = this.#byType.get(type) ?? [];
      const count = this.#registered.get(type) ?? 0;
      this.#registered.set(type, count + 1);
      const routeId = id === undefined ? `${type}#${count}` : types.length > 1 ? `${id}:${type}` : id;
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

  #idTaken(id: string): boolean {
    for (const list of this.#byType.values()) if (list.some((route) => route.id === id)) return true;
    return false;
  }
}
