import http from "node:http";
import type { AddressInfo } from "node:net";
import { createReceiver, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/**
 * Listens on `host` and returns the URL a client reaches it at over IPv4 loopback. On "::" (dual stack)
 * the socket reports that client as ::ffff:127.0.0.1; on "127.0.0.1" as 127.0.0.1.
 */
async function serve(receiver: ReceiverCore, host: "::" | "127.0.0.1") {
  const server = http.createServer(createNodeHandler(receiver, { path: "/hooks" }));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
}

async function statusFor(allowedIps: string[], host: "::" | "127.0.0.1") {
  const receiver = createReceiver({ provider: eulabel(), allowedIps });
  receiver.on("*", () => {});
  const { body, headers } = await signedDelivery(passportEvent());
  return (await send(await serve(receiver, host), { headers, body })).status;
}

describe("allow-list entries written as IPv4-mapped IPv6", () => {
  // The client is reported as 127.0.0.1 or ::ffff:127.0.0.1 depending on how the server listens; an entry
  // may be written either way too. All four combinations must agree.
  for (const host of ["127.0.0.1", "::"] as const) {
    it(`::ffff:127.0.0.1 and ::ffff:127.0.0.0/104 admit a loopback client (server on ${host})`, async () => {
      expect(await statusFor(["::ffff:127.0.0.1"], host)).toBe(200);
      expect(await statusFor(["::ffff:127.0.0.0/104"], host)).toBe(200);
      expect(await statusFor(["::FFFF:7f00:1"], host)).toBe(200);
    });

    it(`plain IPv4 entries still admit it, and mapped entries outside it still refuse (server on ${host})`, async () => {
      expect(await statusFor(["127.0.0.1"], host)).toBe(200);
      expect(await statusFor(["127.0.0.0/8"], host)).toBe(200);
      expect(await statusFor(["::ffff:10.0.0.0/104"], host)).toBe(403);
      expect(await statusFor(["::ffff:127.0.0.2"], host)).toBe(403);
      // An IPv6 range outside the mapped block does not cover IPv4 clients.
      expect(await statusFor(["2001:db8::/32"], host)).toBe(403);
    });
  }

  it("refuses at start-up a mapped range shorter than /96, which no IPv4 range can express", () => {
    expect(() => createReceiver({ provider: eulabel(), allowedIps: ["::ffff:0:0/95"] })).toThrow(
      /IPv4-mapped range shorter than \/96/,
    );
  });
});
