import type { AnyEvent } from "../events.js";
import type { EntityVersionDeclaration, EventSchemas } from "../providers/define.js";

export type { EntityVersionDeclaration };

/** `createReceiver({ ordering })` for senders no preset declares, or to override a preset's declaration. */
export interface OrderingOptions<E extends EventSchemas = EventSchemas> {
  /** The entity this event is about (a passport id, a customer id); undefined → this event is not ordered. */
  entity: (event: AnyEvent<E>) => string | undefined;
  /**
   * How recent the event is: a number, or an ISO-8601 timestamp with an offset (compared by instant).
   * undefined → not ordered. One entity's versions must all be numbers or all timestamps.
   */
  version: (event: AnyEvent<E>) => string | number | undefined;
  /**
   * How long the latest applied version of an entity is remembered (ms). Default: the receiver's retention,
   * at least 30 days, so a dead letter replayed weeks later is still recognised as stale.
   */
  retentionMs?: number;
}

/** What `onStale` is told besides the event. */
export interface StaleInfo {
  /** The entity's key as stored: `<namespace>:<kind>:<id>` for a preset, `<namespace>:<entity>` otherwise. */
  entity: string;
  /** The latest applied version, as compared (timestamps in epoch microseconds). */
  latest: number;
  /** This event's version, as compared. */
  version: number;
}
