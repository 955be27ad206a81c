import { z } from "zod";
import { asString, defineProvider, type EventSchemas, type Provider } from "../provider.js";
import { hmacSignature } from "../signature/hmac.js";
import type { SecretInput } from "../signature/secrets.js";
import { HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

/** Sent once when a webhook is created: answer 2xx so GitHub shows it healthy. */
export const githubEvents = {
  ping: z.looseObject({ zen: z.string(), hook_id: z.number() }),
};

export interface GithubOptions<E extends EventSchemas> {
  /** The webhook's secret; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretInput;
  /** Your events (e.g. "issues.opened", "push") and their payload schemas. */
  events?: E;
  /**
   * "event.action" (default): `issues` + `"action": "opened"` routes as `issues.opened`, and events with
   * no action (push, ping) keep their name. "event": route on X-GitHub-Event alone.
   */
  routing?: "event.action" | "event";
  /**
   * true (default): the key is the SHA-256 of the signed body, so a captured body replayed under a fresh
   * `X-GitHub-Delivery` (or another `X-GitHub-Event`) within retention is a duplicate — neither header is
   * signed. false: key on `X-GitHub-Delivery` alone, and two deliveries with byte-identical bodies both run.
   */
  replayProtection?: boolean;
  idempotencyKey?: IdempotencyKeyFn;
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body, `X-GitHub-Event` names the event and
 * `X-GitHub-Delivery` (a GUID, kept by redeliveries) identifies the delivery. GitHub waits 10 s and does not
 * retry on its own; redeliveries are manual within 3 days, so keys are kept 72 h.
 *
 * Neither header is signed, so by default the key is the SHA-256 of the exact body: a "Redeliver" (same
 * GUID, same bytes) and a replay under a fresh GUID or event name are both duplicates. The body alone, not
 * type + body: the type comes from the unsigned X-GitHub-Event and would let a replay pick a fresh key.
 *
 * @example
 * const receiver = createReceiver({
 *   provider: providers.github({
 *     secret: process.env.GITHUB_WEBHOOK_SECRET!,
 *     events: { "issues.opened": z.looseObject({ issue: z.looseObject({ number: z.number() }) }) },
 *   }),
 * });
 * receiver.on("issues.opened", (event) => triage(event.payload.issue.number));
 */
export function github<const E extends EventSchemas = Record<never, never>>(
  options: GithubOptions<E>,
): Provider<typeof githubEvents & E> {
  const routing = options.routing ?? "event.action";
  return defineProvider({
    name: "github",
    signature: hmacSignature({
      header: "x-hub-signature-256",
      prefix: "sha256=",
      prefixRequired: true,
      encoding: "hex",
      secret: options.secret,
      platform: "GitHub",
    }),
    events: { ...githubEvents, ...options.events } as typeof githubEvents & E,
    eventType: ({ headers, body }) => {
      const event = asString(headers["x-github-event"]);
      const action = asString(body.action);
      return event && routing === "event.action" && action ? `${event}.${action}` : event;
    },
    idempotencyKey:
      options.idempotencyKey ??
      (options.replayProtection === false
        ? ({ headers }) => asString(headers["x-github-delivery"])
        : async ({ rawBody, sha256Hex }) => `sha256:${await sha256Hex(rawBody)}`),
    timeoutMs: 10 * SECOND,
    retentionMs: 72 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
