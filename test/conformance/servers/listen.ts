import type http from "node:http";
import type { AddressInfo } from "node:net";
import type { RunningAdapter } from "../adapter.js";

/** Listens on 127.0.0.1:0; `close` also ends kept-alive and half-sent connections. */
export async function listenOn(server: http.Server, path: string): Promise<RunningAdapter> {
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
