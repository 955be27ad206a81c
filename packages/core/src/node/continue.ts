import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { matchRoute } from "../path.js";
import type { ReceiverCore } from "../receiver.js";
import { requestPath } from "./request-path.js";

/** What a head alone already refuses (core checks these again, and answers): no reason to invite a body. */
function refusedFromHead(req: IncomingMessage, receiver: ReceiverCore): boolean {
  if (req.method !== "POST") return true;
  // The socket's address: behind a proxy the framework's trusted one may differ, but a proxy that forwards
  // Expect is rare, and a client not invited sends its body anyway after a short wait (RFC 9110 §10.1.1).
  if (receiver.allowsAddress && !receiver.allowsAddress(req.socket?.remoteAddress)) return true;
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > receiver.maxBodyBytes) return true;
  const encoding = req.headers["content-encoding"];
  return encoding !== undefined && encoding.trim().toLowerCase() !== "identity";
}

/**
 * A `checkContinue` listener for the server: without one, Node answers every `Expect: 100-continue` with
 * `100 Continue` before any code runs, inviting a body the receiver then refuses (405, 403, 413, 415). With it,
 * such a request on the webhook's path gets no `100 Continue` — only core's answer, with the connection
 * closed — and every other request is invited and handled as before.
 *
 * @example
 * const server = app.listen(3000);
 * server.on("checkContinue", checkContinue(receiver, { path: "/webhooks/eulabel" }));
 */
export function checkContinue(
  receiver: ReceiverCore,
  options: { path?: string } = {},
): (this: Server, req: IncomingMessage, res: ServerResponse) => void {
  return function onCheckContinue(this: Server, req, res) {
    const ours = options.path === undefined || matchRoute(requestPath(req.url), options.path) !== undefined;
    if (!ours || !refusedFromHead(req, receiver)) res.writeContinue();
    this.emit("request", req, res);
  };
}
