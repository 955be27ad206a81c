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
