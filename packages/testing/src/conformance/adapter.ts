import type http from "node:http";
import type { AddressInfo } from "node:net";
import { describeAdapterRows } from "./adapter-suite.js";
import { describeReceiverConformance } from "./receiver-suite.js";
import { type AdapterUnderTest, inProcess, type RunningAdapter } from "./targets.js";

export type { AdapterUnderTest, BeforeWebhook, RunningAdapter } from "./targets.js";

/**
 * Every row of the receiver contract, over real HTTP, through an adapter started in this process: one
 * server per test, each on a receiver built for that row (allow-lists, a failing handler, a slow store…);
 * then the adapter's own rows (a response its app already sent, refusals that never read the body,
 * malformed heads).
 *
 * @example
 * import http from "node:http";
 * import { createNodeHandler } from "@webhook-kit/core/node";
 * import { describeAdapterConformance, listen } from "@webhook-kit/testing/conformance";
 *
 * describeAdapterConformance("node:http", {
 *   start: (receiver, path, before) => {
 *     const handler = createNodeHandler(receiver, { path });
 *     return listen(http.createServer((req, res) => (before?.(req, res), handler(req, res))), path);
 *   },
 * });
 */
export function describeAdapterConformance(name: string, adapter: Omit<AdapterUnderTest, "name">): void {
  const target = inProcess({ name, ...adapter });
  describeReceiverConformance(target);
  describeAdapterRows(target);
}

/**
 * Listens on 127.0.0.1, port 0; answers the URL of `path` and a `close` that also ends kept-alive and
 * half-sent connections (so a test never waits for a client's socket to time out).
 *
 * @example
 * const running = await listen(http.createServer(app), "/webhooks");
 * await running.close();
 */
export async function listen(server: http.Server, path: string): Promise<RunningAdapter> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
