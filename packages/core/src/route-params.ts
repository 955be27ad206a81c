/**
 * The route parameters a framework matched, merged (later sources win) and kept to their string values
 * (a framework may hold arrays or numbers there); undefined when there are none.
 *
 * @example
 * routeParams(req.params, matchRoute(req.path, "/webhooks/:tenant")); // { tenant: "acme" }
 */
export function routeParams(
  ...sources: (Readonly<Record<string, unknown>> | null | undefined)[]
): Readonly<Record<string, string>> | undefined {
  let params: Record<string, string> | undefined;
  for (const source of sources) {
    if (source === null || typeof source !== "object") continue;
    for (const [name, value] of Object.entries(source)) {
      if (typeof value !== "string") continue;
      params ??= {};
      params[name] = value;
    }
  }
  return params;
}
