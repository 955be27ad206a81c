import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { EventSchemas } from "./providers/define.js";

/** What a handler receives. */
export interface WebhookEvent<T extends string = string, P = unknown> {
  /** The idempotency key of this delivery (one event, stable across its retries). */
  id: string;
  type: T;
  payload: P;
  /** The provider's name, e.g. "eulabel". */
  provider: string;
  /** ms since epoch when the delivery was received. */
  receivedAt: number;
  headers: Readonly<Record<string, string>>;
  /** Which attempt this is, when the sender says so. */
  attempt?: number;
  /** The endpoint (tenant) the delivery was for, as the receiver's `tenant` option named it. */
  tenant?: string;
}

export type EventName<E extends EventSchemas> = keyof E & string;

/** What a validator outputs (for a type-only entry: the payload type it declares). */
export type PayloadOf<S> = S extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<S> : unknown;

/** The event for one known type, payload inferred from its schema. Distributes over unions. */
export type EventOf<E extends EventSchemas, K extends EventName<E>> =
  K extends EventName<E> ? WebhookEvent<K, PayloadOf<NonNullable<E[K]>>> : never;

/** What a "*" handler receives: any known event, or an event type the preset does not know. */
export type AnyEvent<E extends EventSchemas> =
  | EventOf<E, EventName<E>>
  | WebhookEvent<string & {}, Readonly<Record<string, unknown>>>;

export type Handler<Ev> = (event: Ev) => unknown;
