import { bodyConsumed } from "../errors.js";
import type { BodyReader } from "../pipeline.js";
import type { WebhookRequestHead, WebhookResponse } from "../types.js";
import { headersToRecord, readWebBody } from "./body.js";

type Receive = (head: WebhookRequestHead, readBody: BodyReader) => Promise<WebhookResponse>;

/** The fetch bridge (Hono, Bun, Deno, Workers, Next App Router): convert, receive, convert back. */
export function fetchHandler(receive: Receive, limits: { maxBodyBytes: number; bodyTimeoutMs: number }) {
  return async (
    request: Request,
    options: { remoteAddress?: string; params?: Readonly<Record<string, string>> } = {},
  ): Promise<Response> => {
    const head: WebhookRequestHead = {
      method: request.method,
      path: new URL(request.url).pathname,
      headers: headersToRecord(request.headers),
    };
    if (options.params !== undefined) head.params = options.params;
    if (options.remoteAddress !== undefined) {
      head.remoteAddress = options.remoteAddress;
      head.remoteAddressFrom = "the remoteAddress option";
    }
    const response = await receive(head, () => {
      // A stream locked by getReader() or tee() upstream is as unreadable here as one read to its end,
      // though `bodyUsed` stays false: a mounting mistake (500, logged), never the sender's 400.
      if (request.bodyUsed || request.body?.locked) {
        throw bodyConsumed(
          undefined,
          "Pass the untouched Request to receiver.fetch(), or request.clone() before reading it (e.g. with await request.json(), request.body.getReader() or request.body.tee()).",
        );
      }
      return readWebBody(request, limits.maxBodyBytes, limits.bodyTimeoutMs);
    });
    return new Response(response.body, { status: response.status, headers: response.headers });
  };
}
