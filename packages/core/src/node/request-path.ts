/**
 * The path of a request target: origin-form (`/a?b`) or absolute-form (`http://host/a?b`, via proxies),
 * without its query or fragment: what every adapter matches its `path` against.
 *
 * @example
 * requestPath("/webhooks/eulabel?x=1#y"); // "/webhooks/eulabel"
 */
export function requestPath(url = ""): string {
  let path = url;
  if (!path.startsWith("/")) {
    const scheme = path.indexOf("://");
    if (scheme !== -1) {
      const slash = path.indexOf("/", scheme + 3);
      path = slash === -1 ? "/" : path.slice(slash);
    }
  }
  // The path ends at the query or at a fragment (RFC 3986 §3.3): a client that sends "#…" (it should not)
  // still names the same path, as Express, Koa and Fastify read it.
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}
