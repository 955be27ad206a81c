import { defaultCrypto } from "../crypto.js";
import { utf8 } from "../encoding.js";
import type { WebhookRequest } from "../types.js";
import { lookedUpKeys } from "./lookup.js";
import type { SignatureScheme, SignedDelivery, SignInput, VerifyContext, VerifyOutcome } from "./scheme.js";

/** Anything that carries a signature scheme: a provider, or `{ signature: hmacSignature(…) }`. */
export interface Signs {
  readonly signature: SignatureScheme;
}

/**
 * Signs a body exactly as the provider's platform does: headers (and, for body-embedded schemes, the body).
 *
 * @example
 * const { headers, body } = await sign(providers.eulabel({ secret }), JSON.stringify(payload));
 */
export function sign(
  provider: Signs,
  body: string | Uint8Array,
  options: Omit<SignInput, "body"> = {},
): Promise<SignedDelivery> {
  return provider.signature.sign({ ...options, body: typeof body === "string" ? utf8(body) : body });
}

/**
 * Checks one request's signature without the rest of the receiver (no parsing, no dedupe).
 *
 * @example
 * const outcome = await verify(providers.eulabel({ secret }), { method: "POST", headers, rawBody });
 * if (!outcome.ok) console.log(outcome.code);
 * // A secret looked up per endpoint: name the tenant, the lookup is called once.
 * await verify(providers.eudr({ secret: ({ tenant }) => vault.secretFor(tenant) }), request, { tenant: "hook_1" });
 */
export async function verify(
  provider: Signs,
  request: WebhookRequest,
  context: Partial<VerifyContext> & { tenant?: string } = {},
): Promise<VerifyOutcome> {
  const crypto = context.crypto ?? defaultCrypto();
  const now = context.now ?? request.receivedAt ?? Date.now();
  // A secret looked up per endpoint: the given keys, else the lookup called now with `tenant`.
  const keys = context.keys ?? (await lookedUpKeys(provider.signature, { ...request, ...context }, "verify"));
  return provider.signature.verify(request, keys === undefined ? { crypto, now } : { crypto, now, keys });
}
