import type { ReceiverCore } from "@webhook-kit/core";

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
 * The body is read from the request stream by core, with the receiver's size limit and timeout.
 *
 * @example
 * // app/api/webhooks/eulabel/route.ts
 * import { webhookRoute } from "@webhook-kit/next";
 * import { receiver } from "@/lib/webhooks";
 * export const POST = webhookRoute(receiver);
 */
export function webhookRoute(
  receiver: ReceiverCore,
  options: WebhookRouteOptions = {},
): (request: Request) => Promise<Response> {
  return (request) => {
    const remoteAddress = options.remoteAddress?.(request) ?? undefined;
    return receiver.fetch(request, remoteAddress === undefined ? {} : { remoteAddress });
  };
}
