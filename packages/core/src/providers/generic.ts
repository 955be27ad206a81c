import { z } from "zod/v4";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretSource } from "../signature/secrets.js";
import { asString, defineProvider, type PayloadSchema, type Provider } from "./define.js";
import { HOUR, type IdempotencyKeyFn, MINUTE, SECOND, signedType } from "./shared.js";

/** `{ id, type, created_at, data }` (the guide): `id` is the per-event id (evt_…). */
const envelope = <D extends z.ZodType>(data: D) =>
  z.looseObject({ id: z.string(), type: z.string(), created_at: z.string(), data });

const user = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  email: z.string().optional(),
  created_at: z.string().optional(),
});
const project = z.looseObject({ id: z.string(), name: z.string().optional() });
/** The guide names the team events without a payload: the fields are optional hints, all others kept. */
const teamMember = z.looseObject({
  team_id: z.string().optional(),
  user_id: z.string().optional(),
  role: z.string().optional(),
});

/** `{ id, type, created_at, data }` (the guide). Unknown fields are kept. */
export interface GenericEvent<D> {
  /** The per-event id (evt_…): the idempotency key. */
  id: string;
  type: string;
  created_at: string;
  data: D;
  [field: string]: unknown;
}
export interface GenericUser {
  id: string;
  name?: string | undefined;
  email?: string | undefined;
  created_at?: string | undefined;
  [field: string]: unknown;
}
export interface GenericProject {
  id: string;
  name?: string | undefined;
  [field: string]: unknown;
}
/** The guide names the team events without a payload: the fields are optional hints. */
export interface GenericTeamMember {
  team_id?: string | undefined;
  user_id?: string | undefined;
  role?: string | undefined;
  [field: string]: unknown;
}
type Generic<D> = PayloadSchema<GenericEvent<D>>;

export const genericEvents: {
  "user.created": Generic<GenericUser>;
  "user.updated": Generic<GenericUser>;
  "user.deleted": Generic<GenericUser>;
  "project.created": Generic<GenericProject>;
  "project.updated": Generic<GenericProject>;
  "project.deleted": Generic<GenericProject>;
  "team.member.added": Generic<GenericTeamMember>;
  "team.member.removed": Generic<GenericTeamMember>;
  "team.member.role_changed": Generic<GenericTeamMember>;
} = {
  "user.created": envelope(user),
  "user.updated": envelope(user),
  "user.deleted": envelope(user),
  "project.created": envelope(project),
  "project.updated": envelope(project),
  "project.deleted": envelope(project),
  "team.member.added": envelope(teamMember),
  "team.member.removed": envelope(teamMember),
  "team.member.role_changed": envelope(teamMember),
};

export interface GenericOptions {
  /** The endpoint's signing secret; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretSource;
  /** Override how one delivery is identified (default: the body's `id`, evt_…). */
  idempotencyKey?: IdempotencyKeyFn;
  /** The sender's timeout, when your platform documents one. Default 10 s. */
  timeoutMs?: number;
}

/**
 * The X-Webhook-* SaaS style of a common webhooks guide: `X-Webhook-Signature: sha256=<hex>` over the raw
 * body, body `{ id, type, created_at, data }`.
 *
 * The key is the body's `id` (evt_…), never `X-Webhook-Id`: that header is the *webhook's* id (wh_…) and is
 * the same on every event. The guide's sample code signs `JSON.stringify(req.body)`; this preset always
 * verifies the exact raw bytes, so a re-serialised body can never pass or fail by accident.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.generic({ secret: process.env.WEBHOOK_SECRET! }) });
 * receiver.on("user.created", (event) => welcome(event.payload.data.email));
 */
export function generic(options: GenericOptions): Provider<typeof genericEvents> {
  return defineProvider({
    name: "generic",
    signature: hmacSignature({
      header: "x-webhook-signature",
      prefix: "sha256=",
      encoding: "hex",
      secret: options.secret,
      platform: "the webhook sender",
    }),
    signs: "the raw body",
    // The guide's other headers: X-Webhook-Id names the webhook, X-Webhook-Event is never used to route.
    deliveryHeaders: ["x-webhook-id", "x-webhook-event"],
    events: genericEvents,
    // The body's `type` is signed; X-Webhook-Event is not, so it never routes.
    eventType: ({ body, headers }) => signedType([body.type], '"type"', headers),
    idempotencyKey: options.idempotencyKey ?? (({ body }) => asString(body.id)),
    // Undocumented ("respond quickly"); 10 s is the common floor among senders.
    timeoutMs: options.timeoutMs ?? 10 * SECOND,
    retrySchedule: [0, MINUTE, 5 * MINUTE, 30 * MINUTE, HOUR, 6 * HOUR],
    // Keyed by the event's own id, so a day past the schedule costs nothing and covers manual resends.
    retentionMs: 24 * HOUR,
    leaseMs: 30 * SECOND,
    // `data.id` names the user or project; `created_at` is the event's time. The team.member events carry
    // no documented id of their own (a membership is a team and a user): not ordered.
    entityVersions: [
      { kind: "user", types: ["user."], entity: "data.id", version: "created_at" },
      { kind: "project", types: ["project."], entity: "data.id", version: "created_at" },
    ],
  });
}
