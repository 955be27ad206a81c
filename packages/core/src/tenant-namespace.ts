/**
 * The namespace of one tenant's keys: `<namespace>:<tenant>` with the tenant percent-encoded, so a ":" in a
 * tenant can never make two tenants' keys meet (`a:b` + `c` vs `a` + `b:c`).
 *
 * @example
 * tenantNamespace("eudr", "hook:7"); // "eudr:hook%3A7"
 */
export function tenantNamespace(namespace: string, tenant: string | undefined): string {
  return tenant === undefined ? namespace : `${namespace}:${encodeURIComponent(tenant)}`;
}
