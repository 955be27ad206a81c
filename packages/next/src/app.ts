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
 */
export function webhookRoute(
  source: ReceiverSource,
  options: WebhookRouteOptions = {},
): (request: Request) => Promise<Response> {
  const receiver = resolver(source);
  return (request) => {
    const remoteAddress = options.remoteAddress?.(request) ?? undefined;
    return receiver().fetch(request, remoteAddress === undefined ? {} : { remoteAddress });
  };
}
