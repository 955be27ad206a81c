/**
 * New events from fixed fixtures. Fixtures are fixed bytes, and every preset recognises a redelivery by
 * something those bytes carry (the body's hash, `evt_…`, or a header id): sending one twice is, correctly, a
 * duplicate. A fresh copy gets what the platform makes new for every event, in that platform's format.
 */

type Json = Record<string, unknown>;

export interface FreshOptions {
  /** The event time, ms since epoch. Default: now. */
  now?: number;
}

const ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random characters of [0-9A-Za-z], as Stripe's object ids use. */
function randomAlphanumeric(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(length));
  let out = "";
  // 62 does not divide 256: the slight bias is irrelevant for test ids.
  for (const byte of bytes) out += ALPHANUMERIC[byte % ALPHANUMERIC.length];
  return out;
}

let last = 0;
/** Now, but never the same millisecond twice in one process: body-hash keys need every event's bytes to differ. */
function tick(): number {
  last = Math.max(Date.now(), last + 1);
  return last;
}

/** ISO 8601 with milliseconds: two events of one type a second apart must still differ in bytes. */
const isoMs = (now: number) => new Date(now).toISOString();
/** ISO 8601 to the second, as the platforms' docs write times that are not part of a body-hash key. */
const isoSeconds = (now: number) => new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z");

/** What is new in each event, per platform. Resource ids (passport, shipment, user) stay: they name things. */
const rules: Readonly<Record<string, (payload: Json, now: number) => Json>> = {
  // Keyed by type + body hash: the event time makes each event's bytes its own.
  eulabel: (p, now) => ({ ...p, timestamp: isoMs(now) }),
  "eulabel-inbound": (p, now) => ({ ...p, timestamp: isoMs(now) }),
  eudr: (p, now) => ({ ...p, timestamp: isoMs(now) }),
  shipping: (p, now) => ({ ...p, timestamp: isoMs(now) }),
  // Keyed by the body's evt_… id.
  generic: (p, now) => ({
    ...p,
    id: `evt_${randomAlphanumeric(24).toLowerCase()}`,
    created_at: isoSeconds(now),
  }),
  stripe: (p, now) => ({
    ...p,
    id: `evt_${randomAlphanumeric(24)}`,
    created: Math.floor(now / 1000),
    request: { id: `req_${randomAlphanumeric(14)}`, idempotency_key: globalThis.crypto.randomUUID() },
  }),
  // Keyed by a header id that every send makes anew (webhook-id); the body's time moves on.
  "standard-webhooks": (p, now) => ("timestamp" in p ? { ...p, timestamp: isoSeconds(now) } : p),
  svix: (p, now) => ("timestamp" in p ? { ...p, timestamp: isoSeconds(now) } : p),
  // Keyed by the body's hash (X-GitHub-Delivery is unsigned): a push gets a new commit, anything else a new
  // `updated_at` on the objects it is about (milliseconds, so two sends in one second still differ).
  github: (p, now) => {
    const out: Json = { ...p };
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
  },
};

/** `length` random lower-case hex digits (a commit sha). */
function randomHex(length: number): string {
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(Math.ceil(length / 2)));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .slice(0, length);
}

/** For providers without a rule (your own `defineProvider`): a top-level `id` and the usual time fields. */
function guess(payload: Json, now: number): Json {
  const out: Json = { ...payload };
  if (typeof out.id === "string") {
    const cut = out.id.lastIndexOf("_");
    out.id = `${cut > 0 ? out.id.slice(0, cut + 1) : ""}${randomAlphanumeric(20).toLowerCase()}`;
  }
  for (const field of ["timestamp", "created_at", "createdAt", "occurred_at", "occurredAt"]) {
    if (typeof out[field] === "string") out[field] = isoMs(now);
  }
  if (typeof out.created === "number") out.created = Math.floor(now / 1000);
  return out;
}

/**
 * A copy of a fixture that the receiver sees as a new event: fresh ids and timestamps where the platform
 * puts them (Stripe: `evt_…`, `created`, `request`; generic: `evt_…`, `created_at`; EUlabel, EUDR,
 * shipping: the event `timestamp`, which their body-hash keys cover; GitHub: a new commit for a push, a new
 * `updated_at` otherwise, since its key is the body's hash). Standard Webhooks keys on a header id, which
 * `signDelivery` makes anew for every call. Unknown providers get a best guess (a
 * top-level `id` with its prefix kept, `timestamp` / `created_at` / `created`).
 *
 * @example
 * await sendDelivery(url, stripe, freshPayload("stripe", fixtures.stripe["invoice.paid"])); // runs
 * await sendDelivery(url, stripe, freshPayload("stripe", fixtures.stripe["invoice.paid"])); // runs again
 */
export function freshPayload<T extends object>(
  providerName: string,
  payload: T,
  options: FreshOptions = {},
): T {
  const now = options.now ?? tick();
  const rule = rules[providerName] ?? guess;
  return rule(payload as Json, now) as T;
}

/**
 * A delivery id that is the same for the same provider and body, in the platform's format (GitHub: a
 * GUID; others: `msg_…`): what a redelivery carries, for `--same`.
 *
 * @example
 * const id = await stableDeliveryId("github", bodyText); // same text → same X-GitHub-Delivery
 */
export async function stableDeliveryId(providerName: string, body: string): Promise<string> {
  const bytes = new TextEncoder().encode(`${providerName}\n${body}`);
  const digest = new Uint8Array(await globalThis.crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest.subarray(0, 16), (b) => b.toString(16).padStart(2, "0")).join("");
  if (providerName !== "github") return `msg_${hex}`;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
