import http from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, type Logger } from "@webhook-kit/core";
import { handleNodeRequest, writeNodeResponse } from "@webhook-kit/core/node";
import { sendDelivery } from "../send-delivery.js";
import { signDelivery } from "../sign-delivery.js";
import type { CliIo, CommonArgs } from "./io.js";
import { parseNumber, resolvePayload, resolveProvider } from "./resolve.js";
import type { Style } from "./style.js";
import { UsageError } from "./usage.js";

const line = (io: CliIo, text: string) => io.stdout.write(`${text}\n`);
const time = () => new Date().toISOString().slice(11, 23);

/** `listen`: a local receiver that prints every verified, typed event and every refusal. */
export async function listen(args: CommonArgs, io: CliIo, s: Style): Promise<number> {
  const provider = resolveProvider(args, io);
  const port = parseNumber("port", args.port, 3000);
  const host = args.host ?? "127.0.0.1";
  // The receiver never logs a secret, a signature or the payload; only its own decisions are shown.
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    // Refusals carry a `code` and are printed with their status below; other warnings (deadline, lease) here.
    warn: (obj, msg) => "code" in obj || line(io, s.dim(`${time()} ${msg ?? ""} ${JSON.stringify(obj)}`)),
    error: (obj, msg) => line(io, s.bad(`${time()} ${msg ?? ""} ${JSON.stringify(obj)}`)),
  };
  const receiver = createReceiver({ provider, logger });
  receiver.on("*", (event) => {
    line(io, `${s.ok("✓")} ${time()} ${s.bold(event.type)} ${s.dim(event.id)}`);
    line(io, JSON.stringify(event.payload, null, 2));
  });
  const server = http.createServer((req, res) => {
    if (args.path !== undefined && (req.url ?? "").split("?")[0] !== args.path) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not_found"}');
      return;
    }
    handleNodeRequest(receiver, req).then((response) => {
      writeNodeResponse(res, response);
      if (response.status >= 300) {
        const code = safeCode(response.body);
        line(io, `${s.bad("✗")} ${time()} ${response.status} ${code}`);
      } else if (response.body.includes('"duplicate":true')) {
        line(io, `${s.dim("↺")} ${time()} duplicate delivery acknowledged`);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  }).catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot listen on ${host}:${port} (${error.code ?? error.message}).`);
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

function safeCode(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: string; message?: string };
    return [parsed.error, parsed.message].filter(Boolean).join(": ");
  } catch {
    return "";
  }
}

/** `send`: one signed delivery (or the platform's whole retry schedule with --retry). Exit 1 unless a 2xx. */
export async function send(args: CommonArgs, io: CliIo, s: Style): Promise<number> {
  const provider = resolveProvider(args, io);
  if (!args.url) throw new UsageError("--url is required, e.g. --url http://localhost:3000/webhooks.");
  try {
    new URL(args.url);
  } catch {
    throw new UsageError(`--url is not a URL: ${args.url}`);
  }
  const payload = await resolvePayload(args, io, provider.name);
  const timeScale = parseNumber("time-scale", args["time-scale"], 1);
  const options: Parameters<typeof sendDelivery>[3] = {
    timeScale,
    onAttempt: (a) => {
      const outcome = a.status !== undefined ? String(a.status) : (a.error ?? "no response");
      const ok = a.status !== undefined && a.status >= 200 && a.status < 300;
      line(
        io,
        `${ok ? s.ok("✓") : s.bad("✗")} attempt ${a.attempt} → ${outcome} ${s.dim(`(${a.durationMs} ms)`)}`,
      );
      if (!ok && a.responseBody) line(io, s.dim(`  ${a.responseBody}`));
    },
  };
  if (!args.retry) options.maxAttempts = 1;
  if (args.id) options.id = args.id;
  if (args["webhook-id"]) options.webhookId = args["webhook-id"];
  if (args.event) options.event = args.event;
  if (args.timestamp) options.timestamp = parseNumber("timestamp", args.timestamp, 0);
  let result: Awaited<ReturnType<typeof sendDelivery>>;
  try {
    result = await sendDelivery(args.url, provider, payload, options);
  } catch (error) {
    if (error instanceof TypeError) throw new UsageError(error.message);
    throw error;
  }
  line(
    io,
    result.delivered ? s.ok("delivered") : s.bad(`not delivered after ${result.attempts.length} attempt(s)`),
  );
  return result.delivered ? 0 : 1;
}

/** `sign`: the headers (and body, when the signature lives in it) for a body from --file or stdin. */
export async function signCommand(args: CommonArgs, io: CliIo): Promise<number> {
  const provider = resolveProvider(args, io);
  const body = args.file ? await resolvePayload(args, io, provider.name) : await io.readStdin();
  const options: Parameters<typeof signDelivery>[2] = {};
  if (args.id) options.id = args.id;
  if (args["webhook-id"]) options.webhookId = args["webhook-id"];
  if (args.event) options.event = args.event;
  if (args.timestamp) options.timestamp = parseNumber("timestamp", args.timestamp, 0);
  let signed: Awaited<ReturnType<typeof signDelivery>>;
  try {
    signed = await signDelivery(provider, body, options);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (args.json) {
    line(io, JSON.stringify({ headers: signed.headers, body: signed.text }, null, 2));
    return 0;
  }
  for (const [name, value] of Object.entries(signed.headers)) line(io, `${name}: ${value}`);
  const original = body instanceof Uint8Array ? new TextDecoder().decode(body) : String(body);
  // Body-embedded schemes change the body itself: print what must be sent.
  if (signed.text !== original) io.stdout.write(`\n${signed.text}\n`);
  return 0;
}
