import { invalidConfig } from "../errors.js";
import type { Provider } from "../providers/define.js";

/**
 * Names that look like a credential: refused in any allow-list, whoever asks. An allow-list already keeps
 * everything else out; this stops a provider or an option from letting one in by name.
 */
const CREDENTIAL =
  /^(cookie|set-cookie|authentication|dpop)$|auth|token|secret|passw|passphrase|passcode|(^|[-_])pass($|[-_])|session|signature|jwt|credential|principal|oidc|cert|bypass|csrf|xsrf|bearer|(^|[-_])(api|access|private|secret|signing|client)[-_]?key|(^|[-_])key($|[-_])|(^|[-_])sig($|[-_])/;
/** RFC 9110 token, lower-case: what a header name can be once Node has read it. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * The headers a queued job keeps: `content-type`, the provider's `deliveryHeaders` and the receiver's
 * `queuedHeaders` — never one the signature travels in, never one named like a credential (invalid_config
 * naming it). Jobs are kept for days, dead letters until removed, and queue dashboards show them.
 */
export function jobHeaderNames(provider: Provider, queuedHeaders: unknown): readonly string[] {
  if (queuedHeaders !== undefined && !Array.isArray(queuedHeaders)) {
    throw invalidConfig('queuedHeaders must be an array of header names, e.g. ["x-tenant"].');
  }
  const signature = new Set(provider.signature.headers ?? []);
  const names = new Set(["content-type"]);
  const add = (name: unknown, from: string) => {
    const lower = typeof name === "string" ? name.toLowerCase() : name;
    if (typeof lower !== "string" || !HEADER_NAME.test(lower)) {
      throw invalidConfig(`${from}: ${JSON.stringify(name)} is not a header name.`);
    }
    if (signature.has(lower) || CREDENTIAL.test(lower)) {
      const what = signature.has(lower)
        ? `carries the ${provider.name} signature`
        : "looks like a credential";
      throw invalidConfig(
        `${from}: "${lower}" ${what}, and a queued job never keeps one: jobs are kept for days (dead letters until removed) and shown by queue dashboards, and a signature beside its body is a delivery anyone could send again. Leave it out; handlers that need what it grants must get it another way.`,
      );
    }
    names.add(lower);
  };
  for (const name of provider.deliveryHeaders ?? []) add(name, `provider "${provider.name}" deliveryHeaders`);
  for (const name of (queuedHeaders as readonly unknown[] | undefined) ?? []) add(name, "queuedHeaders");
  return [...names];
}

/** The request's headers that `names` allows: what a queued job, and so a worker's event, gets. */
export function pickHeaders(
  headers: Readonly<Record<string, string>>,
  names: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}
