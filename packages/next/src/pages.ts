import type { IncomingMessage, ServerResponse } from "node:http";
import { handleNodeRequest, routeParams, sendNodeResponse } from "@webhook-kit/core/node";
import { type ReceiverSource, resolver } from "./source.js";

/** What a custom server's body parser may have left on the request. */
type ParsedRequest = IncomingMessage & { _body?: unknown; query?: Record<string, unknown> };

const NEXT_HINT =
  "In the Next.js Pages Router, add `export const config = { api: { bodyParser: false } }` to this API route file.";
const CUSTOM_SERVER_FIX =
  'keep the exact bytes there: app.use(express.raw({ type: "*/*" })) before this route, or express.json({ verify: (req, _res, buf) => { req.rawBody = buf } }), or mount the parser on other paths only.';
const CUSTOM_SERVER_HINT = `Your custom server's body parser read it first, and Next's route config cannot turn that off: ${CUSTOM_SERVER_FIX}`;
const PAGES_HINT = `${NEXT_HINT} Behind a custom server whose parser reads first, ${CUSTOM_SERVER_FIX}`;

/**
 * A Pages Router API route (Node.js runtime). Next's body parser must be off for the route, so core reads
 * the exact bytes; left on, every delivery is answered at once with a 500 `body_already_consumed` that says so.
 * Behind a custom server (Express) whose parser runs first, the bytes it kept are verified: a Buffer
 * `req.body` (`express.raw`) or a Buffer `req.rawBody` (a parser's `verify` hook). The client address is the
 * socket's (Next's `req` is node's IncomingMessage). Like `webhookRoute`, it takes the receiver or a function
 * that makes it on the first request.
 *
 * @example
 * // pages/api/webhooks/eulabel.ts
 * import { webhookApiRoute } from "@webhook-kit/next";
 * import { receiver } from "@/lib/webhooks";
 * export const config = { api: { bodyParser: false } };
 * export default webhookApiRoute(receiver);
 */
export function webhookApiRoute(
  source: ReceiverSource,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const receiver = resolver(source);
  return async (request, res) => {
    const req = request as ParsedRequest;
    // body-parser (Express, Connect) marks its reads with `_body`; Next's own parser does not.
    const customServer = req._body === true;
    // Bytes a custom server's parser kept (a Buffer `req.body` or `req.rawBody`), and whether the stream was
    // read, are core's to see; only the words of the fix depend on who read it.
    const receiving = receiver();
    const response = await handleNodeRequest(receiving, req, {
      framework: customServer
        ? "the custom server in front of the Next.js Pages Router"
        : "the Next.js Pages Router",
      mountHint: customServer ? CUSTOM_SERVER_HINT : PAGES_HINT,
      // Next puts a dynamic segment (`pages/api/webhooks/[tenant].ts`) in req.query, over a query string's.
      params: routeParams(req.query),
    });
    sendNodeResponse(res, response, receiving, { framework: "Next.js Pages Router" });
  };
}
