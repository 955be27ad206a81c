import { z } from "zod/v4";
import { toHex } from "../encoding.js";
import { hmacSignature } from "../signature/hmac.js";
import type { SignatureScheme } from "../signature/scheme.js";
import { encodeSecrets, isSecretLookup, type SecretSource } from "../signature/secrets.js";
import {
  asString,
  defineProvider,
  type EventSchemas,
  type PayloadSchema,
  type Provider,
  type WithEvents,
} from "./define.js";
import type { GithubActionPayloads, GithubEvents } from "./github-events.js";
import { HOUR, type IdempotencyKeyFn, SECOND } from "./shared.js";

/** The ping GitHub sends once when a webhook is created: answer 2xx so GitHub shows it healthy. */
export type GithubPing = GithubActionPayloads["ping"] & { zen: string; hook_id: number };

/** The one event validated at run time; every other GitHub event is typed only (see `GithubEvents`). */
export const githubEvents: { ping: PayloadSchema<GithubPing> } = {
  // GitHub's spec marks zen and hook_id optional, but every ping carries them: checked here, typed required.
  ping: z.looseObject({ zen: z.string(), hook_id: z.number() }) as PayloadSchema<GithubPing>,
};

export type GithubRouting = "event.action" | "event";

export interface GithubOptions<E extends EventSchemas, R extends GithubRouting = GithubRouting> {
  /** The webhook's secret; several for rotation. Used as the string's UTF-8 bytes. */
  secret: SecretSource;
  /**
   * Validators for the events you want checked at run time (any Standard Schema), e.g. `"issues.opened"`.
   * Every GitHub event is typed without them; yours replace GitHub's type for the names you give.
   */
  events?: E;
  /**
   * "event.action" (default): `issues` + `"action": "opened"` routes as `issues.opened`, and events with
   * no action (push, ping) keep their name. "event": route on X-GitHub-Event alone.
   */
  routing?: R;
  /**
   * false (default): the key is `X-GitHub-Delivery`, the id GitHub documents for deduplication; a "Redeliver"
   * keeps it, so it is a duplicate, and two deliveries with byte-identical bodies (block → unblock → block:
   * `org_block.blocked` carries no id and no time) both run. The header is not signed, though: a captured
   * delivery replayed under a fresh GUID runs again. Defend with GitHub's published hook addresses (the meta
   * API's `hooks` list) as `allowedIps`.
   *
   * true: the key is the SHA-256 of the signed body, so a replay under a fresh GUID (or another
   * `X-GitHub-Event`) within retention is a duplicate — and so is a genuine second delivery whose body is
   * byte-identical to one in the last 72 h: GitHub does not redeliver it, and it never runs.
   */
  replayProtection?: boolean;
  idempotencyKey?: IdempotencyKeyFn;
}

/** What `providers.github` types: every GitHub event for the routing, ping's check, your validators. */
export type GithubProviderEvents<E extends EventSchemas, R extends GithubRouting> = WithEvents<
  WithEvents<GithubEvents<R>, typeof githubEvents>,
  E
>;

/**
 * GitHub's scheme: verifies `X-Hub-Signature-256` only; `sign` also writes the legacy SHA-1
 * `X-Hub-Signature` GitHub still sends beside it, so signed test deliveries carry both headers as the wire does.
 */
function githubSignature(secret: SecretSource): SignatureScheme {
  const sha256 = hmacSignature({
    header: "x-hub-signature-256",
    prefix: "sha256=",
    prefixRequired: true,
    encoding: "hex",
    secret,
    platform: "GitHub",
  });
  const keys = isSecretLookup(secret) ? [] : encodeSecrets(secret, "utf8", "GitHub");
  return {
    name: sha256.name,
    ...(sha256.secretLookup ? { secretLookup: sha256.secretLookup } : {}),
    // The legacy SHA-1 header is never verified, but it is a signature all the same: never stored.
    headers: [...(sha256.headers ?? []), "x-hub-signature"],
    verify: sha256.verify,
    async sign(input) {
      const signed = await sha256.sign(input);
      const own = input.secret === undefined ? keys : encodeSecrets(input.secret, "utf8", "GitHub");
      // SHA-1 is in Web Crypto everywhere core runs; never the CryptoProvider, which verification uses.
      const key = await globalThis.crypto.subtle.importKey(
        "raw",
        (own[input.secretIndex ?? 0] ?? own[0]!) as BufferSource,
        { name: "HMAC", hash: "SHA-1" },
        false,
        ["sign"],
      );
      const sha1 = new Uint8Array(
        await globalThis.crypto.subtle.sign("HMAC", key, input.body as BufferSource),
      );
      return { ...signed, headers: { "x-hub-signature": `sha1=${toHex(sha1)}`, ...signed.headers } };
    },
  };
}

/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex>` over the raw body, `X-GitHub-Event` names the event and
 * `X-GitHub-Delivery` (a GUID, kept by redeliveries) identifies the delivery. GitHub does not retry on its
 * own; redeliveries are manual within 3 days, so keys are kept as long.
 *
 * The key is `X-GitHub-Delivery`, as GitHub documents: several payloads (`org_block.blocked`,
 * `membership.removed`, …) carry no id and no time, so two genuine events can be byte-identical and only the
 * GUID tells them apart. The GUID is not signed; `replayProtection: true` keys on the body's SHA-256 instead,
 * at the price of dropping such repeats. Either way, GitHub's hook addresses (meta API) as `allowedIps` keep
 * a captured delivery from being replayed from anywhere else.
 *
 * Every event GitHub publishes is typed from its webhook spec (via @octokit/openapi-webhooks-types, types
 * only); none but ping is validated at run time unless you pass a validator for it in `events`.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.github({ secret: process.env.GITHUB_WEBHOOK_SECRET! }) });
 * receiver.on("issues.opened", (event) => triage(event.payload.issue.number));
 * receiver.on("push", (event) => deploy(event.payload.head_commit?.id));
 */
export function github<
  const E extends EventSchemas = Record<never, never>,
  R extends GithubRouting = "event.action",
>(options: GithubOptions<E, R>): Provider<GithubProviderEvents<E, R>> {
  const routing = options.routing ?? "event.action";
  return defineProvider({
    name: "github",
    signature: githubSignature(options.secret),
    signs: "the raw body",
    deliveryHeaders: [
      "x-github-event",
      "x-github-delivery",
      "x-github-hook-id",
      "x-github-hook-installation-target-id",
      "x-github-hook-installation-target-type",
    ],
    // Only validators exist at run time; the rest of GithubEvents is types (absent entries route unvalidated).
    routesUndeclared: true,
    events: { ...githubEvents, ...options.events } as GithubProviderEvents<E, R>,
    eventType: ({ headers, body }) => {
      const event = asString(headers["x-github-event"]);
      const action = asString(body.action);
      return event && routing === "event.action" && action ? `${event}.${action}` : event;
    },
    idempotencyKey:
      options.idempotencyKey ??
      (options.replayProtection === true
        ? async ({ rawBody, sha256Hex }) => `sha256:${await sha256Hex(rawBody)}`
        : ({ headers }) => asString(headers["x-github-delivery"])),
    timeoutMs: 10 * SECOND,
    // One attempt: GitHub never retries by itself.
    retrySchedule: [0],
    // A manual "Redeliver" is possible for 3 days.
    retentionMs: 72 * HOUR,
    leaseMs: 30 * SECOND,
  });
}
