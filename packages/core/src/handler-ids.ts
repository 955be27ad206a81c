import type { Handler, WebhookEvent } from "./events.js";

/**
 * Which handler names survive a deploy. A durable job records its finished handlers by id, and the next
 * deploy (another build, a minifier, a reordered module) must read the same id as the same handler, or
 * a handler is skipped that never ran. A function's name is kept by bundlers unless they minify it, so it
 * is used when it is an identifier a person chose: not `bound x` (the name of `fn.bind`), not `anonymous`
 * (`new Function`), not `default` (an unnamed default export), not `""` (inline arrows, factory closures),
 * and not one or two characters (what a minifier makes).
 */
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const NOT_CHOSEN = new Set(["anonymous", "default"]);

/** The handler's own name when it is stable across deploys, else undefined. */
export function stableName(handler: Handler<WebhookEvent>): string | undefined {
  const { name } = handler;
  return typeof name === "string" && name.length > 2 && IDENTIFIER.test(name) && !NOT_CHOSEN.has(name)
    ? name
    : undefined;
}

/** How a warning names a handler that has no stable id: what a person can find in their code. */
export function describeHandler(handler: Handler<WebhookEvent>): string {
  const name = typeof handler.name === "string" ? handler.name : "";
  if (name.startsWith("bound ")) return `a bound function (${name || "bound"})`;
  if (name === "" || name === "anonymous") return "an anonymous function";
  if (name === "default") return "an unnamed default export";
  return `"${name}"`;
}
