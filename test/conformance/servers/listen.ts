import type http from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
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

/**
 * Starts servers for one test file and closes every one of them after each test; returns the URL of `path`.
 * Call at the top level of the file (it registers an afterEach hook).
 */
export function listenPerTest(): (server: http.Server, path: string) => Promise<string> {
  const running: RunningAdapter[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((server) => server.close()));
  });
  return async (server, path) => {
    const started = await listenOn(server, path);
    running.push(started);
    return started.url;
  };
}
