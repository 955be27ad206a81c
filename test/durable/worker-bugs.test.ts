import { createReceiver, MemoryQueue, type WebhookError } from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// An attack pass: an exception escaping the job processor (a throwing ordering hook, a handler that throws a
// value whose message cannot be read) was retried every second for ever — never a dead letter, never onError.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(check: () => boolean | Promise<boolean>, what: string) {
  const end = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const workers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

async function deliver(receiver: { handle: ReturnType<typeof createReceiver>["handle"] }) {
  const { body, headers } = await signedDelivery(passportEvent("passport.published"));
  expect((await receiver.handle({ method: "POST", headers, rawBody: body })).status).toBe(202);
}

describe("a worker bug is a failed attempt: backoff, then a reported dead letter", () => {
  it("an ordering hook that throws: attempts run out, the dead letter is told with the reason", async () => {
    const queue = new MemoryQueue();
    const errors: WebhookError[] = [];
    const receiver = createReceiver({
      provider: eulabel(),
      queue,
      logger: false,
      onError: (error) => errors.push(error),
      ordering: {
        entity: (event) => (event.payload as { id: string }).id,
        version: (event) => (event.payload as { meta: { rev: number } }).meta.rev,
      },
    });
    let runs = 0;
    receiver.on("passport.published", () => {
      runs += 1;
    });
    workers.push(receiver.work({ attempts: 2, backoff: { delayMs: 10, maxDelayMs: 10 } }));
    await deliver(receiver);
    await until(async () => (await queue.listDeadLetters()).length === 1, "the dead letter");
    const [letter] = await queue.listDeadLetters();
    expect(letter?.attempts).toBe(2);
    expect(letter?.error).toMatch(/Gave up after 2 attempt\(s\).*rev/);
    expect(errors.map((e) => e.code)).toEqual(["dead_letter"]);
    expect(runs).toBe(0);
  });

  it("a handler that throws a value whose message and toString throw: named safely, retried, then told", async () => {
    const queue = new MemoryQueue();
    const errors: WebhookError[] = [];
    const receiver = createReceiver({
      provider: eulabel(),
      queue,
      logger: false,
      ordering: false,
      onError: (error) => errors.push(error),
    });
    const evil = Object.create(Error.prototype, {
      message: {
        get() {
          throw new Error("no message for you");
        },
      },
      toString: {
        value() {
          throw new Error("no string either");
        },
      },
    });
    receiver.on(
      "passport.published",
      () => {
        throw evil;
      },
      { id: "evil" },
    );
    workers.push(receiver.work({ attempts: 2, backoff: { delayMs: 10, maxDelayMs: 10 } }));
    await deliver(receiver);
    await until(async () => (await queue.listDeadLetters()).length === 1, "the dead letter");
    const [letter] = await queue.listDeadLetters();
    expect(letter?.attempts).toBe(2);
    expect(errors.map((e) => e.code)).toEqual(["dead_letter"]);
  });
});
