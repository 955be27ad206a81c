/**
 * At most one line per `periodMs` for a condition that can repeat per request (an outage, a flood from
 * outside the allow-list): the first at once, then one per period saying how many were left out, instead
 * of thousands of lines that bury everything else.
 *
 * @example
 * const report = throttled(10_000);
 * report((more) => logger.warn({}, `store unreachable${more}`));
 */
export function throttled(periodMs: number): (emit: (more: string) => void) => void {
  let quietUntil = 0;
  let suppressed = 0;
  return (emit) => {
    const now = performance.now();
    if (now < quietUntil) {
      suppressed += 1;
      return;
    }
    emit(suppressed > 0 ? ` (${suppressed} more since the last report)` : "");
    quietUntil = now + periodMs;
    suppressed = 0;
  };
}
