import { LRUCache } from "lru-cache";
import { bounded } from "./bounded.js";
import { secretLookupFailed } from "./errors.js";
import { distinctReads, type HeadRead, headOf, recordingHead, sameReads, uncovered } from "./head-reads.js";
import { chain, isThenable, type MaybePromise } from "./maybe.js";
import type { Runtime } from "./runtime.js";
import type { DeliveryHead, SecretInput } from "./signature/secrets.js";
import { tenantNamespace } from "./tenant-namespace.js";
import { throttled } from "./throttle.js";

/** A tenant longer than this is no tenant (401): it enters every key, and a sender chose it. */
export const MAX_TENANT_LENGTH = 128;

/**
 * C0, DEL and C1 controls, Unicode line/paragraph separators, bidi and zero-width format characters: a
 * tenant holding one (a newline, an ANSI escape, U+2028, U+202E) could forge or hide a log line; it is no
 * tenant (401).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters refused.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/;

/** Which endpoint a delivery is for, and its keys when the scheme looks them up. */
export interface Endpoint {
  tenant?: string;
  /** The receiver's namespace scoped to the tenant (`tenantNamespace`): made once per cached tenant. */
  namespace?: string;
  /** A key no sender has for an unknown endpoint: it then fails verification exactly as a wrong secret does. */
  keys?: readonly Uint8Array[];
  /** Set when no endpoint is known: refused even by a scheme that ignores `keys` (a custom one). */
  unknown?: true;
  /** The head fields the secret function read, with their values: a cached answer serves only equal ones. */
  reads?: readonly HeadRead[];
}

const NO_ENDPOINT: Endpoint = Object.freeze({});
/**
 * An unknown endpoint's keys: one random key no sender has, so its delivery costs the same HMAC as a
 * wrong secret's and fails the same way: neither the answer nor its timing says whether the endpoint exists.
 */
const UNKNOWN: readonly Uint8Array[] = Object.freeze([globalThis.crypto.getRandomValues(new Uint8Array(32))]);

const NAMELESS: Endpoint = Object.freeze({ keys: UNKNOWN, unknown: true });

/**
 * The endpoint step: names the delivery's tenant (`tenant` option) and, when the provider's secret is a
 * function, its keys — from an LRU cache keyed by tenant, so a warm delivery costs a map lookup and no
 * promise. Concurrent misses for one tenant share one lookup. A lookup that throws, rejects or outlasts
 * `storeTimeoutMs` answers 503 secret_lookup_failed; an unknown tenant gets a key no sender has (401 later,
 * exactly as a wrong secret: no oracle).
 */
export function endpointStep(rt: Runtime) {
  const { provider, namespace, tenant: tenantOf, secretCache, storeTimeoutMs, logger } = rt.settings;
  const lookup = provider.signature.secretLookup;
  // The whole answer is cached, not only the keys: a warm delivery allocates nothing here.
  const cache = new LRUCache<string, Endpoint>({
    max: secretCache.max,
    ttl: secretCache.ttlMs,
  });
  // Unknown endpoints have their own LRU: a flood of made-up ids evicts only other made-up ids, never a
  // known tenant's secret.
  const unknownCache = new LRUCache<string, Endpoint>({
    max: secretCache.max,
    ttl: secretCache.unknownTtlMs,
  });
  const pending = new Map<string, Promise<Endpoint>>();
  // Bumped by every forget: a lookup that started before it may hold a rotated-out secret, so its result
  // answers its own requests but is not cached.
  let epoch = 0;
  const failures = throttled(10_000);
  if (tenantOf && !lookup) {
    // Said once, at start: with one secret for all, the signature cannot vouch for the tenant's name.
    logger.warn(
      { provider: provider.name },
      "tenant is set with a static secret: the signature does not authenticate the tenant, so a sender can relabel a delivery (event.tenant) and have it handled again under another tenant. Use a secret per tenant, or derive the tenant from signed body fields (see docs/secrets.md).",
    );
  }

  const failed = (tenant: string | undefined, cause: unknown) => {
    failures((more) =>
      logger.error(
        { provider: provider.name, tenant, err: cause },
        `secret lookup failed: answered 503 secret_lookup_failed${more}`,
      ),
    );
    return secretLookupFailed(cause);
  };

  const known = (found: Endpoint): Endpoint => {
    if (found.keys === UNKNOWN) {
      logger.warn(
        { provider: provider.name, tenant: found.tenant },
        "no secret for this endpoint (unknown tenant): refused as invalid_signature",
      );
    }
    return found;
  };

  const endpoint = (tenant: string, keys: readonly Uint8Array[], reads: readonly HeadRead[]): Endpoint => {
    const found: Endpoint =
      keys.length === 0
        ? { tenant, keys: UNKNOWN, unknown: true }
        : { tenant, namespace: tenantNamespace(namespace, tenant), keys };
    if (reads.length > 0) found.reads = reads;
    return found;
  };

  const remember = (found: Endpoint) => {
    if (found.keys === UNKNOWN) {
      cache.delete(found.tenant!);
      unknownCache.set(found.tenant!, found);
    } else {
      unknownCache.delete(found.tenant!);
      cache.set(found.tenant!, found);
    }
  };

  /**
   * The head fields the secret function read, once it has answered. A field `tenant` does not read would
   * let a sender name one endpoint and sign with the secret of another (a header naming his own): refused
   * as a misconfiguration (503), never verified.
   */
  const checkedReads = (head: DeliveryHead, recorded: readonly HeadRead[]): HeadRead[] => {
    if (recorded.length === 0) return [];
    const covering = recordingHead(head);
    const named = tenantOf!(covering.head);
    const bad = uncovered(recorded, covering.reads);
    if (bad.length > 0) {
      throw new Error(
        `the secret function read ${bad.join(", ")}, which the receiver's tenant function does not read: a sender could name one endpoint and sign with another endpoint's secret. Choose the secret from { tenant } alone (or read only fields tenant reads).`,
      );
    }
    const reads = distinctReads(recorded);
    // Reading a field is not naming the tenant by it (a tenant function that walks every header, or checks
    // one exists): from the secret's fields alone, it must name the same endpoint.
    let fromReads: string | undefined;
    try {
      fromReads = tenantOf!(headOf(reads));
    } catch {
      fromReads = undefined;
    }
    if (fromReads !== named) {
      throw new Error(
        `the secret function read ${reads.map((r) => (r.where === "path" ? "path" : `${r.where}.${r.name}`)).join(", ")}, but the receiver's tenant function does not name this endpoint from those fields alone: a sender could name one endpoint and sign with another endpoint's secret. Choose the secret from { tenant } alone (or from the fields tenant names it by).`,
      );
    }
    return reads;
  };

  /** Calls the secret function over a head that records what it reads. */
  const ask = (head: DeliveryHead, tenant: string): MaybePromise<Endpoint> => {
    const { lookup: find, encode } = lookup!;
    const recording = recordingHead({ ...head, tenant });
    // A null (redis.get of a missing key) is an unknown endpoint, as undefined is: `encode` gives no key.
    return chain<SecretInput | null | undefined, Endpoint>(find(recording.head), (input) =>
      endpoint(tenant, encode(input), checkedReads(head, recording.reads)),
    );
  };

  /** The tenant's keys from the lookup: now when it answers now, else bounded by `storeTimeoutMs`. */
  const lookUp = (head: DeliveryHead, tenant: string): MaybePromise<Endpoint> => {
    let inflight = pending.get(tenant);
    if (inflight) {
      // A lookup another delivery started read its own head: its answer serves this one only when the
      // fields it read are equal here; otherwise this delivery asks for itself.
      const shared = inflight;
      inflight = shared.then((found) =>
        found.reads && !sameReads(head, found.reads) ? Promise.resolve(ask(head, tenant)) : found,
      );
    } else {
      const started = epoch;
      const found = ask(head, tenant);
      if (!(found instanceof Promise)) {
        remember(found);
        return found;
      }
      const settling = found.then((later) => {
        if (epoch === started) remember(later);
        return later;
      });
      inflight = settling;
      settling.then(
        () => pending.get(tenant) === settling && pending.delete(tenant),
        () => pending.get(tenant) === settling && pending.delete(tenant),
      );
      pending.set(tenant, settling);
    }
    const waiting = inflight;
    return bounded(
      rt.ticker,
      storeTimeoutMs,
      "secret lookup",
      () => waiting,
      (cause) => cause as Error,
    ).catch((cause: unknown) => {
      // A lookup that hangs is not shared forever: the next delivery of this tenant asks again.
      if (pending.get(tenant) === waiting) pending.delete(tenant);
      throw cause;
    });
  };

  return {
    resolve(head: DeliveryHead): MaybePromise<Endpoint> {
      if (!tenantOf) return NO_ENDPOINT;
      let tenant: string | undefined;
      try {
        tenant = tenantOf(head);
      } catch (cause) {
        throw failed(undefined, cause);
      }
      if (isThenable(tenant)) {
        throw failed(undefined, new Error("tenant must return a string synchronously, got a Promise"));
      }
      if (
        typeof tenant !== "string" ||
        tenant === "" ||
        tenant.length > MAX_TENANT_LENGTH ||
        CONTROL.test(tenant)
      ) {
        logger.warn(
          { provider: provider.name },
          `the delivery names no endpoint (tenant empty, missing, over ${MAX_TENANT_LENGTH} characters or holding a control character): refused as invalid_signature`,
        );
        return NAMELESS;
      }
      if (!lookup) return { tenant, namespace: tenantNamespace(namespace, tenant) };
      const cached = cache.get(tenant) ?? unknownCache.get(tenant);
      if (cached && (cached.reads === undefined || sameReads(head, cached.reads))) {
        return cached.keys === UNKNOWN ? known(cached) : cached;
      }
      let found: MaybePromise<Endpoint>;
      try {
        found = lookUp(head, tenant);
      } catch (cause) {
        throw failed(tenant, cause);
      }
      if (!(found instanceof Promise)) return known(found);
      return found.then(known, (cause: unknown) => {
        throw failed(tenant, cause);
      });
    },
    /** Drops one tenant's cached secret (every tenant's without one): the next delivery looks it up again. */
    forget(tenant?: string): void {
      epoch += 1;
      if (tenant === undefined) {
        cache.clear();
        unknownCache.clear();
        pending.clear();
        return;
      }
      cache.delete(tenant);
      unknownCache.delete(tenant);
      pending.delete(tenant);
    },
  };
}
