import { type CryptoProvider, defaultCrypto } from "./crypto.js";
import { invalidConfig, schemaMismatch, signatureRejected } from "./errors.js";
import type { AnyEvent, WebhookEvent } from "./events.js";
import { chain, type MaybePromise } from "./maybe.js";
import { parseDelivery, validateDelivery } from "./parse-delivery.js";
import { type EventSchemas, hasher, type Provider } from "./providers/define.js";
import { lookedUpKeys } from "./signature/lookup.js";
import type { Verified, VerifyContext } from "./signature/scheme.js";
import { tenantNamespace } from "./tenant-namespace.js";
import type { Logger, WebhookRequest } from "./types.js";

function hasUpperCase(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** Header names as the contract promises them (lower-case), whatever a hand-built request or gateway sent. */
export function lowerCased(headers: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const name in headers) {
    if (hasUpperCase(name)) {
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(headers)) {
        const lower = key.toLowerCase();
        out[lower] = out[lower] === undefined ? value : `${out[lower]}, ${value}`;
      }
      return out;
    }
  }
  return headers;
}

/** The provider's signature check, as a WebhookError (401) when it fails; else what the scheme computed. */
export function checkSignature(
  provider: Provider,
  request: WebhookRequest,
  crypto: CryptoProvider,
  now: number,
  logger?: Logger,
  keys?: readonly Uint8Array[],
  tenant?: string,
): MaybePromise<Verified> {
  const context: VerifyContext = keys === undefined ? { crypto, now } : { crypto, now, keys };
  return chain(provider.signature.verify(request, context), (verdict) => {
    if (verdict.ok) return verdict;
    logger?.warn(
      tenant === undefined
        ? { provider: provider.name, code: verdict.code }
        : { provider: provider.name, tenant, code: verdict.code },
      "signature rejected",
    );
    throw signatureRejected(verdict.code, verdict.message);
  });
}

export interface VerifyDeliveryOptions {
  /** ms since epoch the delivery counts as received (timestamp tolerance). Default `Date.now()`. */
  receivedAt?: number;
  crypto?: CryptoProvider;
  /** Prefix of `event.id`. Default: the provider's name. */
  namespace?: string;
  /**
   * The endpoint the delivery was for: needed when the provider's secret is a function (it is called, not
   * cached, with the headers, `path`, `params` and this tenant). Scopes `event.id` and is `event.tenant`.
   */
  tenant?: string;
  /** The request path and route parameters, for a secret function that reads them. */
  path?: string;
  params?: Readonly<Record<string, string>>;
}

/**
 * One call for code that wants no receiver (a queue consumer of its own, a serverless function, a test):
 * verifies the signature over the exact bytes, parses, validates the event's schema and returns the typed
 * event — or throws a `WebhookError` (401 codes, 400 `invalid_payload` with `issues`). Nothing is deduplicated.
 *
 * @example
 * const event = await verifyDelivery(providers.github({ secret }), rawBody, req.headers);
 * console.log(event.type, event.id); // what a "*" handler receives: any event of the preset
 */
export async function verifyDelivery<E extends EventSchemas>(
  provider: Provider<E>,
  rawBody: Uint8Array | string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  options: VerifyDeliveryOptions = {},
): Promise<AnyEvent<E>> {
  if (typeof rawBody === "string") {
    throw invalidConfig(
      "pass the raw body as bytes (Buffer or Uint8Array), exactly as received: a string may already be decoded or re-serialised. Read it with express.raw(), request.arrayBuffer() or similar.",
      "verifyDelivery",
    );
  }
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  const normalized = lowerCased(flat);
  const crypto = options.crypto ?? defaultCrypto();
  const receivedAt = options.receivedAt ?? Date.now();
  const { tenant } = options;
  const keys = await lookedUpKeys(provider.signature, { ...options, headers: normalized });
  const verified = await checkSignature(
    provider,
    { method: "POST", headers: normalized, rawBody },
    crypto,
    receivedAt,
    undefined,
    keys,
  );
  const parsed = await parseDelivery(
    provider,
    tenantNamespace(options.namespace ?? provider.name, tenant),
    normalized,
    rawBody,
    hasher(crypto),
    verified.signedContent,
  );
  const result = await validateDelivery(provider, parsed.context);
  if (!result.ok) throw schemaMismatch(parsed.type, result.issues);
  const event: WebhookEvent = {
    id: parsed.key,
    type: parsed.type,
    payload: result.value,
    provider: provider.name,
    receivedAt,
    headers: normalized,
  };
  if (parsed.attempt !== undefined) event.attempt = parsed.attempt;
  if (tenant !== undefined) event.tenant = tenant;
  return event as AnyEvent<E>;
}
