import type { DeliveryHead } from "./signature/secret-types.js";

/** One head field a user function read, and the value it saw (undefined when absent). */
export interface HeadRead {
  readonly where: "headers" | "params" | "path";
  readonly name: string;
  readonly value: string | undefined;
}

/** Stands for "enumerated every header (or param)": no single value can key that read. */
export const EVERY = "*";

/**
 * A copy of the head that records which fields are read: a secret chosen from head fields the tenant
 * does not cover lets a sender name one endpoint and sign with another's secret, and a cached secret
 * must never answer a request whose fields differ. Built only on a cache miss, never on a warm delivery.
 */
export function recordingHead<T extends DeliveryHead>(head: T): { head: T; reads: HeadRead[] } {
  const reads: HeadRead[] = [];
  const watch = (where: "headers" | "params", table: Readonly<Record<string, string>>) =>
    new Proxy(table, {
      get(target, name) {
        const value = Reflect.get(target, name) as string | undefined;
        if (typeof name === "string" && !(name in Object.prototype)) reads.push({ where, name, value });
        return value;
      },
      has(target, name) {
        if (typeof name === "string")
          reads.push({ where, name, value: (target as Record<string, string>)[name] });
        return Reflect.has(target, name);
      },
      getOwnPropertyDescriptor(target, name) {
        if (typeof name === "string")
          reads.push({ where, name, value: (target as Record<string, string>)[name] });
        return Reflect.getOwnPropertyDescriptor(target, name);
      },
      ownKeys(target) {
        reads.push({ where, name: EVERY, value: undefined });
        return Reflect.ownKeys(target);
      },
    });
  // A plain object, not one inheriting from the raw head: its prototype would hand out unrecorded fields.
  const copy = {} as T;
  // `tenant` stays an own field, so a lookup that spreads the head (`{ ...head }`) still passes it on.
  if ("tenant" in head) Object.defineProperty(copy, "tenant", { value: head.tenant, enumerable: true });
  Object.defineProperties(copy, {
    headers: { value: watch("headers", head.headers), enumerable: true },
    params: { value: head.params ? watch("params", head.params) : undefined, enumerable: true },
    path: {
      get() {
        reads.push({ where: "path", name: "", value: head.path });
        return head.path;
      },
      enumerable: true,
    },
  });
  return { head: copy, reads };
}

/**
 * The head reduced to the fields in `reads` (with their values): the tenant function must name the same
 * endpoint from them alone, or the secret was chosen by something that does not name the tenant.
 */
export function headOf(reads: readonly HeadRead[]): DeliveryHead {
  const headers: Record<string, string> = {};
  let params: Record<string, string> | undefined;
  let path: string | undefined;
  for (const read of reads) {
    if (read.value === undefined) continue;
    if (read.where === "headers") headers[read.name] = read.value;
    else if (read.where === "params") {
      params ??= {};
      params[read.name] = read.value;
    } else path = read.value;
  }
  const head: DeliveryHead = { headers } as DeliveryHead;
  if (params !== undefined) (head as { params?: Record<string, string> }).params = params;
  if (path !== undefined) (head as { path?: string }).path = path;
  return head;
}

/** The value of a read field in another head. */
const valueIn = (head: DeliveryHead, read: HeadRead): string | undefined =>
  read.where === "path"
    ? head.path
    : read.where === "headers"
      ? head.headers[read.name]
      : head.params?.[read.name];

/** Whether `head` holds the same values as those recorded: only then may a cached answer serve it. */
export function sameReads(head: DeliveryHead, reads: readonly HeadRead[]): boolean {
  for (const read of reads) if (valueIn(head, read) !== read.value) return false;
  return true;
}

/** The fields in `reads` that `covered` does not hold (deduplicated, as "headers.x-id"). */
export function uncovered(reads: readonly HeadRead[], covered: readonly HeadRead[]): string[] {
  const out = new Set<string>();
  for (const read of reads) {
    const ok =
      read.name !== EVERY &&
      covered.some((c) => c.where === read.where && (c.name === read.name || c.name === EVERY));
    if (!ok) out.add(read.where === "path" ? "path" : `${read.where}.${read.name}`);
  }
  return [...out];
}

/** `reads` without repeats (the same field read twice keeps one entry). */
export function distinctReads(reads: readonly HeadRead[]): HeadRead[] {
  const seen = new Map<string, HeadRead>();
  for (const read of reads) seen.set(`${read.where}\u0000${read.name}`, read);
  return [...seen.values()].filter((read) => read.name !== EVERY);
}
