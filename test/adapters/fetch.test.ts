import { createReceiver, type Logger } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

function recorded() {
  const lines: string[] = [];
  const log = (level: string) => (_obj: object, msg?: string) => void lines.push(`${level}: ${msg}`);
  const logger: Logger = { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error") };
  return { lines, receiver: createReceiver({ provider: eulabel(), logger }) };
}

async function signedRequest() {
  const { body, headers } = await signedDelivery(passportEvent());
  return new Request("http://127.0.0.1/webhooks/eulabel", {
    method: "POST",
    headers,
    body: Buffer.from(body),
  });
}

describe("receiver.fetch with a body something upstream locked", () => {
  // Issue #24, item 4: `bodyUsed` stays false for a locked but unread stream; it was 400 body_aborted,
  // unlogged — a 4xx a sender may treat as final, for a mounting mistake that is not the sender's.
  for (const [what, lock] of [
    ["getReader()", (request: Request) => void request.body?.getReader()],
    ["tee()", (request: Request) => void request.body?.tee()],
  ] as const) {
    it(`a body locked by ${what} is 500 body_already_consumed, logged`, async () => {
      const { lines, receiver } = recorded();
      const request = await signedRequest();
      lock(request);
      expect(request.bodyUsed).toBe(false);
      const res = await receiver.fetch(request);
      expect(res.status).toBe(500);
      const body = (await res.json()) as { error: string; message: string };
      expect(body.error).toBe("body_already_consumed");
      expect(body.message).toMatch(/clone\(\)/);
      expect(lines.filter((line) => line.startsWith("error:"))).toHaveLength(1);
    });
  }

  it("an untouched body still verifies (the check does not lock it)", async () => {
    const { receiver } = recorded();
    expect((await receiver.fetch(await signedRequest())).status).toBe(200);
  });
});
