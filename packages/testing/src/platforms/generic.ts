import { providers } from "@webhook-kit/core";
import { definePlatform, present } from "./define.js";
import { isoSeconds, randomAlphanumeric } from "./values.js";

const user = {
  id: "usr_789",
  name: "John Doe",
  email: "john@example.com",
  created_at: "2023-12-01T15:30:00Z",
};
const project = { id: "prj_456", name: "Website relaunch" };
const member = { team_id: "team_1", user_id: "usr_789", role: "member" };
const event = <D extends object>(id: string, type: string, createdAt: string, data: D) => ({
  id,
  type,
  created_at: createdAt,
  data,
});

/** The X-Webhook-* SaaS style of a common webhooks guide. */
export const generic = definePlatform({
  name: "generic",
  preset: "generic",
  create: (secret) => providers.generic({ secret }),
  userAgent: "ExampleAPI-Webhooks/1.0",
  // The guide says "respond quickly": the preset's 10 s is the common floor among senders.
  assumed: { timeoutMs: true },
  headers: (payload, options) => ({
    // The webhook's id, the same on every event (per the X-Webhook-* guide).
    "x-webhook-id": options.webhookId ?? "wh_123456",
    ...present("x-webhook-event", payload.type),
  }),
  // Keyed by the body's evt_… id.
  fresh: (payload, now) => ({
    ...payload,
    id: `evt_${randomAlphanumeric(24).toLowerCase()}`,
    created_at: isoSeconds(now),
  }),
  /** The guide's example body (`user.created`); the others follow its envelope. */
  fixtures: {
    "user.created": event("evt_abc123", "user.created", "2023-12-01T15:30:00Z", user),
    "user.updated": event("evt_abc126", "user.updated", "2023-12-01T15:33:00Z", {
      ...user,
      name: "John Q. Doe",
    }),
    "user.deleted": event("evt_abc127", "user.deleted", "2023-12-01T15:34:00Z", { id: user.id }),
    "project.created": event("evt_abc124", "project.created", "2023-12-01T15:31:00Z", project),
    "project.updated": event("evt_abc128", "project.updated", "2023-12-01T15:35:00Z", {
      ...project,
      name: "Website relaunch 2024",
    }),
    "project.deleted": event("evt_abc129", "project.deleted", "2023-12-01T15:36:00Z", {
      id: project.id,
    }),
    "team.member.added": event("evt_abc125", "team.member.added", "2023-12-01T15:32:00Z", member),
    "team.member.removed": event("evt_abc130", "team.member.removed", "2023-12-01T15:37:00Z", member),
    "team.member.role_changed": event("evt_abc131", "team.member.role_changed", "2023-12-01T15:38:00Z", {
      ...member,
      role: "admin",
    }),
  },
});
