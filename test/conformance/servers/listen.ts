import type http from "node:http";
import { listen, type RunningAdapter } from "@webhook-kit/testing/conformance";
import { afterEach } from "vitest";

/** Listens on 127.0.0.1:0; `close` also ends kept-alive and half-sent connections. */
export const listenOn = listen;

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
