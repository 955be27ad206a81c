// GitHub's webhook payloads, typed from GitHub's published OpenAPI description (the same source octokit
// uses) through @octokit/openapi-webhooks-types: a types-only package, so nothing of it runs.
import type { operations } from "@octokit/openapi-webhooks-types";
import type { TypedEvents } from "./define.js";

/** One payload per operation: "issues/opened", "push", "check-run/requested-action", … */
type Operation = keyof operations & string;
type OperationPayload<O extends Operation> = operations[O]["requestBody"]["content"]["application/json"];

/** The spec spells GitHub's event names with hyphens; X-GitHub-Event uses underscores. */
type Underscored<S extends string> = S extends `${infer Head}-${infer Tail}`
  ? `${Head}_${Underscored<Tail>}`
  : S;

/** "issues/opened" → "issues", "page-build" → "page_build": the X-GitHub-Event a delivery carries. */
type EventOfOperation<O extends string> = O extends `${infer Event}/${string}`
  ? Underscored<Event>
  : Underscored<O>;

/**
 * The type our "event.action" routing gives a payload: `<event>.<action>` when it has an action (taken from
 * the payload's own `action`, so "check_run.requested_action" keeps its underscore), else the bare event.
 * A free-form action (repository_dispatch's client-chosen one) becomes a `${string}` pattern.
 */
type RoutedName<Event extends string, Payload> = Payload extends { action: infer Action extends string }
  ? `${Event}.${Action}`
  : Event;

/** GitHub's payloads by the type `routing: "event.action"` (the default) gives each delivery. */
export type GithubActionPayloads = {
  [O in Operation as RoutedName<EventOfOperation<O>, OperationPayload<O>>]: OperationPayload<O>;
};

/** GitHub's payloads by X-GitHub-Event alone (`routing: "event"`): each a union over its actions. */
export type GithubEventPayloads = {
  [O in Operation as EventOfOperation<O>]: OperationPayload<O>;
};

/** Every GitHub webhook event, typed and routed without run-time validation (see `TypedEvents`). */
export type GithubEvents<Routing extends "event.action" | "event" = "event.action"> = TypedEvents<
  Routing extends "event" ? GithubEventPayloads : GithubActionPayloads
>;
