import { LRUCache } from "lru-cache";
import { bounded } from "./bounded.js";
import { secretLookupFailed } from "./errors.js";
import { isThenable, type MaybePromise } from "./maybe.js";
import type { Runtime } from "./runtime.js";
import type { DeliveryHead, SecretInput } from "./signature/secrets.js";
import { tenantNamespace } from "./tenant-namespace.js";
import { throttled } from "./throttle.js";

/** A tenant longer than this is no tenant (401): it enters every key, and a sender chose it. */
export const MAX_TENANT_LENGTH = 128;

/** Which endpoint a delivery is for, and its keys when the scheme looks them up. */
export interface Endpoint {
  tenant?: string;
  /** The receiver's namespace scoped to the tenant (`tenantNamespace`): made once per cached tenant. */
  namespace?: string;
  /** A key no sender has for an unknown endpoint: it then fails verification exactly as a wrong secret does. */
  keys?: readonly Uint8Array[];
  /** Set when no endpoint is known: refused even by a scheme that ignores `keys` (a custom one). */
  unknown?: true;
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
  const pending = new Map<string, Promise<Endpoint>>();
  // Bumped by every forget: a lookup that started before it may hold a rotated-out secret, so its result
  // answers its own requests but is not cached.
  let epoch = 0;
  const failures = throttled(10_000);

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

  const endpoint = (tenant: string, keys: readonly Uint8Array[]): Endpoint =>
    keys.length === 0
      ? { tenant, keys: UNKNOWN, unknown: true }
      : { tenant, namespace: tenantNamespace(namespace, tenant), keys };

  const remember = (found: Endpoint) => {
    const unknown = found.keys === UNKNOWN;
    cache.set(found.tenant!, found, unknown ? { ttl: secretCache.unknownTtlMs } : undefined);
  };

  /** The tenant's keys from the lookup: now when it answers now, else bounded by `storeTimeoutMs`. */
  const lookUp = (head: DeliveryHead, tenant: string): MaybePromise<Endpoint> => {
    const { lookup: find, encode } = lookup!;
    let inflight = pending.get(tenant);
    if (!inflight) {
      const found = find({ ...head, tenant });
      if (!isThenable(found)) {
        const now = endpoint(tenant, encode(found as SecretInput | undefined));
        remember(now);
        return now;
      }
      const started = epoch;
      const settling = Promise.resolve(found).then((input) => {
        const later = endpoint(tenant, encode(input));
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
      if (typeof tenant !== "string" || tenant === "" || tenant.length > MAX_TENANT_LENGTH) {
        logger.warn(
          { provider: provider.name },
          `the delivery names no endpoint (tenant empty, missing or over ${MAX_TENANT_LENGTH} characters): refused as invalid_signature`,
        );
        return NAMELESS;
      }
      if (!lookup) return { tenant, namespace: tenantNamespace(namespace, tenant) };
      const cached = cache.get(tenant);
      if (cached) return cached.keys === UNKNOWN ? known(cached) : cached;
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
        pending.clear();
        return;
      }
      cache.delete(tenant);
      pending.delete(tenant);
    },
  };
}
