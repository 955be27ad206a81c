import type { ServerResponse } from "node:http";
import type { ReceiverCore } from "../receiver.js";
import type { WebhookResponse } from "../types.js";

/**
 * True when something else already answered this request (a response-timeout middleware mounted before the
 * webhook, a hook, a handler that outlived either): core's answer is then dropped and logged. Writing it
 * anyway throws ERR_HTTP_HEADERS_SENT where no one catches it, and any unsigned client that stalls its
 * body could end the process that way.
 *
 * @example
 * if (!answeredElsewhere(res, response, receiver, "Express")) res.status(response.status).send(response.body);
 */
export function answeredElsewhere(
  res: ServerResponse,
  response: WebhookResponse,
  receiver: ReceiverCore,
  framework = "node:http",
): boolean {
  if (!res.headersSent && !res.writableEnded) return false;
  dropped(res, response, receiver, framework);
  return true;
}

function dropped(
  res: ServerResponse,
  response: WebhookResponse,
  receiver: ReceiverCore,
  framework: string,
  err?: unknown,
): void {
  // Status codes only: the body may be a handler's outcome, and the sent response is someone else's.
  receiver.logger?.warn(
    { framework, status: response.status, sentStatus: res.statusCode, err },
    `The response was already sent before the webhook answered ${response.status}: its answer was dropped. Something before the webhook (a response timeout?) answered ${res.statusCode}; give the webhook's route a timeout above the receiver's bodyTimeoutMs and ackDeadlineMs, or mount it before that middleware. A delivery already handled is a duplicate when the sender retries.`,
  );
}

/**
 * Writes core's answer with `write` (default `writeNodeResponse`) unless the response was already sent;
 * never throws: a write that fails is logged, and a response left half-open is ended.
 *
 * @example
 * sendNodeResponse(res, await handleNodeRequest(receiver, req), receiver);
 */
export function sendNodeResponse(
  res: ServerResponse,
  response: WebhookResponse,
  receiver: ReceiverCore,
  options: { framework?: string; write?: (res: ServerResponse, response: WebhookResponse) => void } = {},
): void {
  const framework = options.framework ?? "node:http";
  if (answeredElsewhere(res, response, receiver, framework)) return;
  try {
    (options.write ?? writeNodeResponse)(res, response);
  } catch (error) {
    dropped(res, response, receiver, framework, error);
    cutShort(res);
  }
}

/**
 * Copies a WebhookResponse onto a node:http response.
 *
 * @example
 * writeNodeResponse(res, await handleNodeRequest(receiver, req));
 */
export function writeNodeResponse(res: ServerResponse, response: WebhookResponse): void {
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}

/** Never leave a live response hanging, and never throw from here either. */
export function cutShort(res: ServerResponse): void {
  try {
    if (!res.headersSent) res.writeHead(500);
    res.end();
  } catch {
    res.destroy();
  }
}
