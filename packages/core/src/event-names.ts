import { closestName } from "./closest-name.js";
import type { Provider } from "./providers/define.js";
import { throttled } from "./throttle.js";
import type { Logger } from "./types.js";

/**
 * Warns once per name when `receiver.on(name)` names a type the provider does not declare: in JavaScript a
 * misspelled name ("passport.publishd") otherwise registers silently and the real events go unhandled.
 * Silent for "*" and for providers whose senders deliver types beyond their declared ones (GitHub, Stripe,
 * Standard Webhooks: `routesUndeclared`), where any name may be real.
 */
export function handlerNameCheck(provider: Provider, logger: Logger): (type: string) => void {
  const declared = Object.keys(provider.events);
  const warned = new Set<string>();
  if (provider.routesUndeclared === true || declared.length === 0) return () => {};
  return (type) => {
    if (type === "*" || Object.hasOwn(provider.events, type) || warned.has(type)) return;
    warned.add(type);
    const near = closestName(type, declared);
    logger.warn(
      { provider: provider.name, type },
      `receiver.on("${type}"): ${provider.name} declares no such event type, so this handler may never run; ${
        near ? `did you mean "${near}"?` : `its types: ${declared.join(", ")}.`
      }`,
    );
  };
}

/** Types remembered for per-type throttling; the type is sender-chosen, so the memory is capped. */
const MAX_TRACKED_TYPES = 256;

/**
 * Reports a delivery no handler took, at `warn` (the default logger prints warnings, not info): once per type
 * per `periodMs`, with how many were left out, so a flood of one type is one line a minute, not thousands.
 */
export function unhandledReporter(
  provider: Provider,
  logger: Logger,
  periodMs = 60_000,
): (type: string, id: string) => void {
  const byType = new Map<string, ReturnType<typeof throttled>>();
  const others = throttled(periodMs);
  return (type, id) => {
    let report = byType.get(type);
    if (!report && byType.size < MAX_TRACKED_TYPES) {
      report = throttled(periodMs);
      byType.set(type, report);
    }
    (report ?? others)((more) =>
      logger.warn(
        { provider: provider.name, type, id },
        `no handler for event type; acknowledged and dropped (register receiver.on("${type}") or "*")${more}`,
      ),
    );
  };
}
