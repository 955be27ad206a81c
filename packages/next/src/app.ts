import { routeParams } from "@webhook-kit/core";
import { type ReceiverSource, resolver } from "./source.js";

export interface WebhookRouteOptions {
  /**
   * The client address, for allow-lists. Next.js gives route handlers no socket address, and a header is
   * only as trustworthy as the proxy that sets it, so nothing is assumed: on Vercel use
   * `(request) => request.headers.get("x-real-ip") ?? undefined`; behind your own proxy, the entry it appends
   * to X-Forwarded-For. Without it, a receiver with `allowedIps` refuses every delivery (fails closed).
   */
  remoteAddress?: (request: Request) => string | null | undefined;
}

/**
 * An App Router route handler (Node.js and Edge runtimes): `export const POST = webhookRoute(receiver)`.
 * The body is read from the request stream by core, with the receiver's size limit and timeout. Pass a
 * function instead of the receiver to create it on the first request (secrets then need not exist at build).
 *
 * @example
 * // app/api/webhooks/eulabel/route.ts
 * import { webhookRoute } from "@webhook-kit/next";
 * import { receiver } from "@/lib/webhooks";
 * export const POST = webhookRoute(receiver);
 * // app/api/webhooks/[tenant]/route.ts: the segment reaches the receiver's `tenant` as params.tenant.
 */
export function webhookRoute(
  source: ReceiverSource,
  options: WebhookRouteOptions = {},
): (request: Request, context?: { params?: unknown }) => Promise<Response> {
  const receiver = resolver(source);
  return async (request, context) => {
    const remoteAddress = options.remoteAddress?.(request) ?? undefined;
    // Next 15 hands the dynamic segments as a promise, Next 14 as an object; a catch-all's array is left out.
    // routeParams skips anything that is not an object.
    const params = routeParams((await context?.params) as Readonly<Record<string, unknown>> | undefined);
    const fetchOptions: { remoteAddress?: string; params?: Readonly<Record<string, string>> } = {};
    if (remoteAddress !== undefined) fetchOptions.remoteAddress = remoteAddress;
    if (params !== undefined) fetchOptions.params = params;
    return receiver().fetch(request, fetchOptions);
  };
}
