import http from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, type Logger, OUTCOME_HEADER } from "@webhook-kit/core";
import {
  checkContinue,
  handleNodeRequest,
  matchesPath,
  requestPath,
  sendNodeResponse,
} from "@webhook-kit/core/node";
import { deliveryOutcome } from "../outcome.js";
import type { CliIo, CommonArgs } from "./io.js";
import { printable as p } from "./printable.js";
import { resolveProvider } from "./providers.js";
import { summariseBody } from "./report.js";
import { parseNumber } from "./sign-options.js";
import type { Style } from "./style.js";
import { UsageError } from "./usage-error.js";

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);
const time = () => new Date().toISOString().slice(11, 23);

/** `listen`: a local receiver that prints every verified, typed event and every refusal. */
export async function listen(args: CommonArgs, io: CliIo, s: Style): Promise<number> {
  const { provider } = await resolveProvider(args, io);
  const port = parseNumber("port", args.port, 3000);
  const host = args.host ?? "127.0.0.1";
  if (args.path !== undefined && /[?#]/.test(args.path)) {
    // A request's path never holds them (its query and fragment are cut off first): nothing would match.
    const fixed = args.path.split(/[?#]/)[0] || "/";
    throw new UsageError(
      `--path ${p(args.path)} holds a query or a fragment ("?" or "#"), so no request's path can match it.`,
      `Give the path alone: --path ${p(fixed)}`,
    );
  }
  // The receiver never logs a secret, a signature or the payload; only its own decisions are shown.
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    // Refusals carry a `code` and are printed with their status below; other warnings (deadline, lease) here.
    // Log fields can hold what a sender sent (a type, an id): printed through `printable`, like the rest.
    warn: (obj, msg) =>
      "code" in obj || line(io, s.dim(`${time()} ${p(msg ?? "")} ${p(JSON.stringify(obj))}`)),
    error: (obj, msg) => line(io, s.bad(`${time()} ${p(msg ?? "")} ${p(JSON.stringify(obj))}`)),
  };
  const receiver = createReceiver({ provider, logger });
  receiver.on("*", (event) => {
    line(io, `${s.ok("✓")} ${time()} ${s.bold(p(event.type))} ${s.dim(p(event.id))}`);
    // JSON escapes C0 controls but leaves DEL and C1 (\x9b is a CSI) as they are.
    // Escaped line by line: the indentation's own newlines stay newlines.
    line(io, JSON.stringify(event.payload, null, 2).split("\n").map(p).join("\n"));
  });
  const server = http.createServer((req, res) => {
    // The path as every adapter reads it: without the query and without a fragment.
    const path = requestPath(req.url);
    if (args.path !== undefined && !matchesPath(path, args.path)) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
      line(io, `${s.bad("✗")} ${time()} 404 ${p(req.method ?? "")} ${p(path)} (listening on ${args.path})`);
      return;
    }
    handleNodeRequest(receiver, req).then((response) => {
      sendNodeResponse(res, response, receiver);
      if (response.status >= 300) {
        line(io, `${s.bad("✗")} ${time()} ${response.status} ${p(errorText(response.body))}`);
      } else if (
        deliveryOutcome(response.status, response.body, response.headers[OUTCOME_HEADER]) === "duplicate"
      ) {
        line(io, `${s.warn("↺")} ${time()} duplicate delivery acknowledged; nothing ran`);
      }
    });
  });
  // No `100 Continue` for a body the receiver refuses from its head (405, 403, 413, 415).
  server.on("checkContinue", checkContinue(receiver, args.path === undefined ? {} : { path: args.path }));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(
      `Cannot listen on ${host}:${port} (${error.code ?? error.message}).`,
      error.code === "EADDRINUSE" ? "Another program uses that port: pick another with --port." : undefined,
    );
  });
  const address = server.address() as AddressInfo;
  line(
    io,
    `webhook-kit listening for ${s.bold(provider.name)} on http://${host}:${address.port}${args.path ?? "/"}`,
  );
  await io.untilStopped();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await receiver.idle();
  return 0;
}

/** `code: message` of a contract error body (it never holds the payload or a secret). */
function errorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string; message?: string };
    return [parsed.error, parsed.message].filter(Boolean).join(": ");
  } catch {
    return summariseBody(body);
  }
}
