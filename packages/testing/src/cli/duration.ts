const UNITS = [
  ["h", 3_600_000],
  ["min", 60_000],
  ["s", 1_000],
  ["ms", 1],
] as const;

/**
 * A duration as people write it in the docs: "6 h 41 min", "10 s", "96 h".
 *
 * @example
 * duration(24_060_000); // "6 h 41 min"
 */
export function duration(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of UNITS) {
    const count = Math.floor(rest / size);
    rest -= count * size;
    if (count > 0) parts.push(`${count} ${unit}`);
  }
  return parts.length > 0 ? parts.join(" ") : "0 s";
}
