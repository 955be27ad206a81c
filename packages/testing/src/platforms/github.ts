import { providers } from "@webhook-kit/core";
import { definePlatform, type Json } from "./define.js";
import { isoMs, isoSeconds, randomHex } from "./values.js";

const repository = {
  id: 1296269,
  name: "octo-repo",
  full_name: "octo-org/octo-repo",
  private: false,
  owner: { login: "octo-org", id: 1, type: "Organization" },
  html_url: "https://github.com/octo-org/octo-repo",
  default_branch: "main",
};
const sender = { login: "octocat", id: 583231, type: "User" };
const author = { name: "Mona Octocat", email: "mona@example.com", username: "octocat" };

const commit = {
  id: "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
  tree_id: "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
  distinct: true,
  message: "Fix the flaky webhook test",
  timestamp: "2024-01-15T10:30:00Z",
  url: "https://github.com/octo-org/octo-repo/commit/7fd1a60b01f91b314f59955a4e4d4e80d8edf11d",
  author,
  committer: author,
  added: [],
  removed: [],
  modified: ["test/webhooks.test.ts"],
};

/** X-GitHub-Event from `issues.opened` / `issues`, or "ping" for a ping payload. */
function githubEvent(payload: Readonly<Json>, event: string | undefined): string {
  if (event) return event.split(".")[0] ?? event;
  if (typeof payload.zen === "string") return "ping";
  throw new TypeError(
    'GitHub deliveries need options.event (the X-GitHub-Event header), e.g. { event: "issues" }.',
  );
}

/**
 * The preset keys on X-GitHub-Delivery, so a new GUID alone makes a new event; the copy still gets what GitHub
 * makes new (a push a new commit, anything else a new `updated_at`, in milliseconds), so it is a new event
 * under `replayProtection: true` (the body's hash) too.
 */
function fresh(payload: Json, now: number): Json {
  const out: Json = { ...payload };
  if (typeof out.after === "string") {
    const sha = randomHex(40);
    out.after = sha;
    if (out.head_commit && typeof out.head_commit === "object")
      out.head_commit = { ...(out.head_commit as Json), id: sha, timestamp: isoSeconds(now) };
  }
  for (const [name, value] of Object.entries(out)) {
    if (value && typeof value === "object" && !Array.isArray(value) && "updated_at" in value)
      out[name] = { ...(value as Json), updated_at: isoMs(now) };
  }
  return out;
}

/** A GUID, as X-GitHub-Delivery carries. */
const guid = (hex: string) =>
  `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;

/**
 * GitHub payloads, trimmed to the fields most handlers read, in the shape GitHub's webhook reference shows.
 * The key is the event as the preset routes it: X-GitHub-Event, plus `.action` when the body has one.
 */
export const github = definePlatform({
  name: "github",
  preset: "github",
  create: (secret) => providers.github({ secret }),
  userAgent: "GitHub-Hookshot/webhook-kit",
  headers: (payload, options) => ({
    "x-github-event": githubEvent(payload, options.event),
    "x-github-delivery": options.id,
    "x-github-hook-id": options.webhookId ?? "1",
  }),
  fresh,
  deliveryId: guid,
  fixtures: {
    ping: {
      zen: "Keep it logically awesome.",
      hook_id: 1,
      hook: {
        type: "Repository",
        id: 1,
        active: true,
        events: ["push", "issues", "pull_request"],
        updated_at: "2024-01-15T10:29:00Z",
        created_at: "2024-01-15T10:29:00Z",
      },
      repository,
      sender,
    },
    push: {
      ref: "refs/heads/main",
      before: "6113728f27ae82c7b1a177c8d03f9e96e0adf246",
      after: commit.id,
      created: false,
      deleted: false,
      forced: false,
      base_ref: null,
      compare: "https://github.com/octo-org/octo-repo/compare/6113728f27ae...7fd1a60b01f9",
      commits: [commit],
      head_commit: commit,
      repository,
      pusher: { name: "octocat", email: "mona@example.com" },
      sender,
    },
    "issues.opened": {
      action: "opened",
      issue: {
        number: 1,
        title: "Found a bug",
        state: "open",
        body: "The webhook answered 500.",
        user: sender,
        html_url: "https://github.com/octo-org/octo-repo/issues/1",
      },
      repository,
      sender,
    },
    "issues.closed": {
      action: "closed",
      issue: {
        number: 1,
        title: "Found a bug",
        state: "closed",
        body: "The webhook answered 500.",
        user: sender,
        html_url: "https://github.com/octo-org/octo-repo/issues/1",
      },
      repository,
      sender,
    },
    "pull_request.opened": {
      action: "opened",
      number: 2,
      pull_request: {
        number: 2,
        title: "Fix the flaky webhook test",
        state: "open",
        draft: false,
        user: sender,
        head: { ref: "fix-flaky-test", sha: commit.id },
        base: { ref: "main", sha: "6113728f27ae82c7b1a177c8d03f9e96e0adf246" },
        html_url: "https://github.com/octo-org/octo-repo/pull/2",
      },
      repository,
      sender,
    },
  },
});
