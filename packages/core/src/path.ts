/** RFC 3986 §2.3: escapes of these characters name the same resource as the characters themselves. */
const UNRESERVED = /^[A-Za-z0-9\-._~]$/;

/**
 * The one rule every adapter matches its configured path with: percent-escapes of unreserved characters
 * are decoded (Fastify's router does so: `/w%65bhooks` is `/webhooks`), and one trailing slash is ignored
 * (Express's default routing does so: `/webhooks/` is `/webhooks`). Case and every other byte count.
 * `requestPath` is the path alone: the adapters cut it at "?" and at "#" (a fragment is not part of it).
 *
 * @example
 * matchesPath("/webhooks/", "/webhooks"); // true
 * matchesPath("/w%65bhooks", "/webhooks"); // true
 * matchesPath("/Webhooks", "/webhooks"); // false
 */
export function matchesPath(requestPath: string, configured: string): boolean {
  return requestPath === configured || normalisePath(requestPath) === normalisePath(configured);
}

function normalisePath(path: string): string {
  const decoded = path.includes("%")
    ? path.replace(/%[0-9A-Fa-f]{2}/g, (code) => {
        const char = String.fromCharCode(Number.parseInt(code.slice(1), 16));
        return UNRESERVED.test(char) ? char : code.toUpperCase();
      })
    : path;
  return decoded.length > 1 && decoded.endsWith("/") ? decoded.slice(0, -1) : decoded;
}

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * `matchesPath` for a pattern whose `:name` segments match any one non-empty segment: the route parameters
 * (percent-decoded), or undefined when the path does not match. A pattern without `:` matches as
 * `matchesPath` does, with no parameters.
 *
 * @example
 * matchRoute("/webhooks/acme", "/webhooks/:tenant"); // { tenant: "acme" }
 * matchRoute("/webhooks", "/webhooks/:tenant"); // undefined
 */
export function matchRoute(
  requestPath: string,
  pattern: string,
): Readonly<Record<string, string>> | undefined {
  if (!pattern.includes("/:")) return matchesPath(requestPath, pattern) ? NO_PARAMS : undefined;
  const want = normalisePath(pattern).split("/");
  const got = normalisePath(requestPath).split("/");
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    const seen = got[i]!;
    if (!part.startsWith(":")) {
      if (part !== seen) return undefined;
      continue;
    }
    if (seen === "") return undefined;
    try {
      params[part.slice(1)] = decodeURIComponent(seen);
    } catch {
      return undefined; // a malformed escape names no tenant
    }
  }
  return params;
}
