import ipaddr from "ipaddr.js";
import { WebhookError } from "./errors.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Compiles CIDR strings (or bare addresses) once. IPv4-mapped IPv6 clients (::ffff:1.2.3.4, what a
 * dual-stack Node socket reports) match IPv4 ranges.
 */
export function compileAllowList(cidrs: readonly string[]): (address: string | undefined) => boolean {
  const ranges: Range[] = cidrs.map((text) => {
    try {
      if (text.includes("/")) return ipaddr.parseCIDR(text.trim());
      const address = ipaddr.parse(text.trim());
      return [address, address.kind() === "ipv4" ? 32 : 128];
    } catch {
      throw new WebhookError(
        "invalid_config",
        `allowedIps: "${text}" is not an IPv4 or IPv6 address or CIDR range (e.g. "203.0.113.0/24", "2001:db8::/32").`,
      );
    }
  });
  return (address) => {
    if (!address) return false;
    let parsed: ipaddr.IPv4 | ipaddr.IPv6;
    try {
      // Strip an IPv6 zone id ("fe80::1%eth0"): it is not part of the address.
      parsed = ipaddr.process(address.replace(/%.*$/, ""));
    } catch {
      return false;
    }
    return ranges.some(([range, bits]) => parsed.kind() === range.kind() && parsed.match(range, bits));
  };
}
