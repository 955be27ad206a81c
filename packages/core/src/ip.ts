import ipaddr from "ipaddr.js";
import { invalidConfig } from "./errors.js";
import { kindOf } from "./kind-of.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Compiles CIDR strings (or bare addresses) once. Both sides are normalised the same way: an IPv4-mapped
 * IPv6 client (::ffff:1.2.3.4, what a dual-stack Node socket reports) is matched as IPv4, and so is an
 * entry written as IPv4-mapped IPv6 (`::ffff:127.0.0.1`, `::ffff:127.0.0.0/104` → 127.0.0.0/8).
 */
export function compileAllowList(cidrs: readonly string[]): (address: string | undefined) => boolean {
  if (!Array.isArray(cidrs)) {
    throw invalidConfig(
      `expected an array of addresses or CIDR ranges (e.g. ["203.0.113.0/24"]), got ${kindOf(cidrs)}.`,
      "allowedIps",
    );
  }
  // An empty list would let every address in: a list computed at start-up that came back empty must not
  // turn the check off unnoticed. `false` is the way to turn a provider's list off.
  if (cidrs.length === 0) {
    throw invalidConfig(
      "the list is empty, which would let every address in. Pass the sender's addresses, or `false` to turn a provider's list off.",
      "allowedIps",
    );
  }
  const ranges: Range[] = cidrs.map(compileEntry);
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

function compileEntry(entry: string): Range {
  if (typeof entry !== "string") {
    throw invalidConfig(
      `each entry must be a string, an address or CIDR range (e.g. "203.0.113.0/24"), got ${kindOf(entry)}.`,
      "allowedIps",
    );
  }
  const text = entry.trim();
  let range: Range;
  try {
    if (text.includes("/")) range = ipaddr.parseCIDR(text);
    else {
      const address = ipaddr.parse(text);
      range = [address, address.kind() === "ipv4" ? 32 : 128];
    }
  } catch {
    throw invalidConfig(
      `"${entry}" is not an IPv4 or IPv6 address or CIDR range (e.g. "203.0.113.0/24", "2001:db8::/32").`,
      "allowedIps",
    );
  }
  const [address, bits] = range;
  if (address.kind() !== "ipv6" || !(address as ipaddr.IPv6).isIPv4MappedAddress()) return range;
  // The last 32 bits are the IPv4 address: /96 … /128 become /0 … /32, as clients are matched as IPv4.
  if (bits < 96) {
    throw invalidConfig(
      `"${entry}" is an IPv4-mapped range shorter than /96, which reaches outside the mapped addresses; write the IPv4 range instead (e.g. "127.0.0.0/8").`,
      "allowedIps",
    );
  }
  return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
}
