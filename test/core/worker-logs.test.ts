import { createReceiver, MemoryQueue } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { capturingLogger, sleep } from "../hardening/support.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// What an operator reads while a handler keeps failing: one line per failed attempt (no stack), then one
// report for the dead letter, with the handler's stack. Stacks of every attempt are there at debug.

describe("worker logs for a handler that keeps failing", () => {
  it("attempt lines at warn without a stack; one error report with the stack when it becomes a dead letter", async () => {
    const logger = capturingLogger();
    const queue = new MemoryQueue();
    const receiver = createReceiver({ provider: eulabel(), queue, logger });
    receiver.on(
      "passport.published",
      () => {
        throw new Error("crm answered 502");
      },
      { id: "notify-crm" },
    );
    const { body, headers } = await signedDelivery(passportEvent());
    const res = await receiver.handle({ method: "POST", headers, rawBody: body, remoteAddress: "127.0.0.1" });
    expect(res.status).toBe(202);
    const worker = receiver.work({ attempts: 3, backoff: { delayMs: 1, maxDelayMs: 5 } });
    try {
      for (let i = 0; i < 2_000 && (await queue.listDeadLetters()).length === 0; i++) await sleep(5);
      expect(await queue.listDeadLetters()).toHaveLength(1);
    } finally {
      await worker.close();
    }
    const above = logger.lines.filter((l) => l.level === "warn" || l.level === "error");
    expect(above.map((l) => [l.level, l.msg])).toEqual([
      [
        "warn",
        expect.stringMatching(/^attempt 1 of 3 failed, retried in \d+ ms: .*notify-crm: crm answered 502$/),
      ],
      ["warn", expect.stringMatching(/^attempt 2 of 3 failed, retried in \d+ ms: .*crm answered 502$/)],
      ["error", expect.stringMatching(/^Gave up after 3 attempt\(s\): .*crm answered 502/)],
    ]);
    // The attempt lines carry no error object (a default logger would print its stack).
    for (const line of above.slice(0, 2)) expect(line.obj).not.toHaveProperty("err");
    const report = above[2]?.obj as { err?: unknown; reason?: string; attempt?: number };
    expect(report.err).toBeInstanceOf(Error);
    expect((report.err as Error).message).toBe("crm answered 502");
    expect(report).toMatchObject({ reason: "attempts_exhausted", attempt: 3 });
    const debug = logger.lines.filter((l) => l.level === "debug" && l.msg === "webhook handler failed");
    expect(debug).toHaveLength(3);
  });
});
