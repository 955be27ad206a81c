import { invalidConfig, secretLookupFailed } from "../errors.js";
import type { SignatureScheme } from "./scheme.js";
import type { DeliveryHead, SecretHead } from "./secrets.js";

/**
 * The keys of a scheme whose secret is a function, looked up now (no cache: code without a receiver calls
 * it once per delivery); undefined for a fixed secret. A failure is `secret_lookup_failed`.
 */
export async function lookedUpKeys(
  scheme: SignatureScheme,
  head: DeliveryHead & { tenant?: string | undefined },
  where = "verifyDelivery",
): Promise<readonly Uint8Array[] | undefined> {
  const lookup = scheme.secretLookup;
  if (!lookup) return undefined;
  const { tenant } = head;
  if (tenant === undefined || tenant === "") {
    throw invalidConfig(
      "this provider's secret is a function of the delivery's endpoint: pass { tenant } (and path or params if it reads them).",
      where,
    );
  }
  const secretHead: SecretHead = { headers: head.headers, tenant };
  const withPath = head.path === undefined ? secretHead : { ...secretHead, path: head.path };
  const full = head.params === undefined ? withPath : { ...withPath, params: head.params };
  try {
    return lookup.encode(await lookup.lookup(full));
  } catch (cause) {
    throw secretLookupFailed(cause);
  }
}
