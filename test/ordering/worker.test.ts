import { createReceiver, MemoryQueue, MemoryStore, type WebhookEvent } from "@webhook-kit/core";
import { afterEach, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const at = (second: number) => new Date(Date.UTC(2026, 2, 25, 10, 0, second)).toISOString();

async function request(payload: unknown) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers, rawBody: body };
}

/** Waits until `check` holds; generous, so a loaded machine only makes it slower. */
async function until(check: () => boolean, what: string) {
  const end = Date.now() + 20_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const workers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

describe("ordering with a queue: on by default for a preset that declares entity and version", () => {
  it("a job older than the entity's last applied version completes as stale: handlers not run, no dead letter", async () => {
    const queue = new MemoryQueue();
    const stale: number[] = [];
    // No `ordering` option: a queue + EUlabel turns it on.
    const receiver = createReceiver({
      provider: eulabel(),
      queue,
      logger: false,
      onStale: (_event, { latest }) => stale.push(latest),
    });
    const applied: string[] = [];
    receiver.on("*", (event) => {
      applied.push(event.type);
    });
    workers.push(receiver.work({ concurrency: 4 }));
    expect(
      (await receiver.handle(await request(passportEvent("passport.published", { timestamp: at(30) }))))
        .status,
    ).toBe(202);
    await until(() => applied.length === 1, "the published event");
    expect(
      (await receiver.handle(await request(passportEvent("passport.enriched", { timestamp: at(20) }))))
        .status,
    ).toBe(202);
    await until(() => stale.length === 1, "the stale event");
    expect(applied).toEqual(["passport.published"]);
    expect(await queue.listDeadLetters()).toEqual([]);
  });

  it("perEntity: one job per entity at a time; the others wait without using an attempt; other entities run", async () => {
    const queue = new MemoryQueue();
    const store = new MemoryStore();
    const receiver = createReceiver({ provider: eulabel(), queue, store, logger: false });
    let running = 0;
    let most = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const runs: WebhookEvent[] = [];
    receiver.on("*", async (event) => {
      const passport = (event.payload as { id: string }).id;
      runs.push(event);
      if (passport !== "ps_w9x2kf") return;
      running += 1;
      most = Math.max(most, running);
      if (event.type === "passport.published") await gate;
      running -= 1;
    });
    workers.push(receiver.work({ concurrency: 8 }), receiver.work({ concurrency: 8 }));
    await receiver.handle(await request(passportEvent("passport.published", { timestamp: at(30) })));
    await until(() => runs.length === 1, "the first job to start");
    await receiver.handle(await request(passportEvent("passport.updated", { timestamp: at(40) })));
    await receiver.handle(
      await request(passportEvent("passport.updated", { timestamp: at(50), id: "ps_other" })),
    );
    await until(() => runs.length === 2, "the other passport's job");
    expect(runs[1]?.payload).toMatchObject({ id: "ps_other" });
    // The second job of the busy passport waits (several rounds) while the first holds the entity.
    await sleep(600);
    expect(runs).toHaveLength(2);
    release();
    await until(() => runs.length === 3, "the waiting job");
    expect(runs[2]).toMatchObject({ type: "passport.updated", attempt: 1 });
    expect(most).toBe(1);
  });

  it("perEntity: an event whose version cannot be compared (no offset) still runs alone among its entity's jobs", async () => {
    // Attack pass: such an event skipped the lease as well as the stale check, and ran beside its entity's others.
    const queue = new MemoryQueue();
    const receiver = createReceiver({ provider: eulabel(), queue, logger: false });
    let running = 0;
    let most = 0;
    let finished = 0;
    receiver.on("*", async () => {
      running += 1;
      most = Math.max(most, running);
      await sleep(400);
      running -= 1;
      finished += 1;
    });
    workers.push(receiver.work({ concurrency: 8 }));
    const versions = ["2026-03-25T10:00:30Z", "2026-03-25T10:00:40", "2026-03-25T10:00:50Z"];
    for (const timestamp of versions)
      expect(
        (await receiver.handle(await request(passportEvent("passport.updated", { timestamp })))).status,
      ).toBe(202);
    await until(() => finished === 3, "the three jobs");
    expect(most).toBe(1);
  });

  it("perEntity: false runs jobs of one entity concurrently (only the stale guard applies)", async () => {
    const queue = new MemoryQueue();
    const receiver = createReceiver({ provider: eulabel(), queue, logger: false });
    let running = 0;
    let most = 0;
    receiver.on("*", async () => {
      running += 1;
      most = Math.max(most, running);
      // Long enough that the three overlap even on a loaded machine.
      await sleep(1_000);
      running -= 1;
    });
    workers.push(receiver.work({ concurrency: 8, perEntity: false }));
    await Promise.all(
      [40, 41, 42].map(async (s) =>
        receiver.handle(await request(passportEvent("passport.updated", { timestamp: at(s) }))),
      ),
    );
    await until(() => most === 3 || (running === 0 && most > 0), "the jobs");
    expect(most).toBeGreaterThan(1);
  });
});
