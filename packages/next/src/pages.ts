import type { IncomingMessage, ServerResponse } from "node:http";
import { handleNodeRequest, writeNodeResponse } from "@webhook-kit/core/node";
import { type ReceiverSource, resolver } from "./source.js";

const MOUNT_HINT =
  "In the Next.js Pages Router, add `export const config = { api: { bodyParser: false } }` to this API route file.";

/**
 * A Pages Router API route (Node.js runtime). Next's body parser must be off for the route, so core reads
 * the exact bytes; left on, every delivery is answered at once with a 500 `body_already_consumed` that says so.
 * The client address is the socket's (Next's `req` is node's IncomingMessage). Like `webhookRoute`, it
 * takes the receiver or a function that makes it on the first request.
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
  return async (req, res) => {
    const response = await handleNodeRequest(receiver(), req, {
      // Not `req.body !== undefined`: Next sets it only after reading, but a custom server's parser may set
      // it without reading (body-parser 1.x puts {} on a type it skips). A read leaves the stream flowing or ended.
      bodyParsed: req.readableFlowing !== null || req.readableEnded,
      framework: "the Next.js Pages Router",
      mountHint: MOUNT_HINT,
    });
    writeNodeResponse(res, response);
  };
}
