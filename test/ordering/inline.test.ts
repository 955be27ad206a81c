import {
  createReceiver,
  type IdempotencyStore,
  MemoryQueue,
  MemoryStore,
  OUTCOME_HEADER,
  providers,
  type WebhookEvent,
} from "@webhook-kit/core";
import { deliveryOutcome } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

const json = (body: string) => JSON.parse(body) as Record<string, unknown>;
const at = (second: number) => new Date(Date.UTC(2026, 2, 25, 10, 0, second)).toISOString();

async function request(payload: unknown) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers, rawBody: body };
}

/** A store with only the idempotency calls (an older custom store): no version capability. */
function plainStore(): IdempotencyStore {
  const inner = new MemoryStore();
  return {
    claim: (k, o) => inner.claim(k, o),
    complete: (k, t, o) => inner.complete(k, t, o),
    release: (k, t, o) => inner.release(k, t, o),
    renew: (k, t, o) => inner.renew(k, t, o),
  };
}

describe("ordering: the stale-event guard, inline", () => {
  it("an older event than the last applied one is acknowledged 200 stale, handlers not run; onStale told", async () => {
    const stale: { event: WebhookEvent; latest: number }[] = [];
    const receiver = createReceiver({
      provider: eulabel(),
      ordering: true,
      logger: false,
      onStale: (event, { latest }) => stale.push({ event, latest }),
    });
    const applied: string[] = [];
    receiver.on("*", (event) => {
      applied.push(event.type);
    });
    const published = await request(passportEvent("passport.published", { timestamp: at(30) }));
    expect((await receiver.handle(published)).status).toBe(200);
    // Retried later by the sender: the enriched event, older than what was applied.
    const enriched = await request(passportEvent("passport.enriched", { timestamp: at(20) }));
    const res = await receiver.handle(enriched);
    expect(res.status).toBe(200);
    expect(json(res.body)).toEqual({ received: true, stale: true });
    expect(applied).toEqual(["passport.published"]);
    expect(stale).toHaveLength(1);
    expect(stale[0]?.event.type).toBe("passport.enriched");
    expect(stale[0]?.latest).toBe(Date.parse(at(30)) * 1000);
    // The testing kit (and the CLI) tell a stale acknowledgement apart: nothing ran.
    expect(res.headers[OUTCOME_HEADER]).toBe("stale");
    expect(deliveryOutcome(res.status, res.body, res.headers[OUTCOME_HEADER])).toBe("stale");
    // Its redelivery is a plain duplicate now.
    expect(json((await receiver.handle(enriched)).body)).toEqual({ received: true, duplicate: true });
    // Equal versions run; newer ones too.
    await receiver.handle(
      await request(passportEvent("passport.updated", { timestamp: at(30), version: 3 })),
    );
    await receiver.handle(
      await request(passportEvent("passport.updated", { timestamp: at(40), version: 4 })),
    );
    expect(applied).toEqual(["passport.published", "passport.updated", "passport.updated"]);
  });

  it("compares instants: a later event written in another offset is not stale", async () => {
    const receiver = createReceiver({ provider: eulabel(), ordering: true, logger: false });
    const applied: string[] = [];
    receiver.on("*", (event) => {
      applied.push(event.type);
    });
    await receiver.handle(
      await request(passportEvent("passport.published", { timestamp: "2026-03-25T10:00:00Z" })),
    );
    // 09:30-01:00 is 10:30 UTC: newer, although it sorts before as text.
    const res = await receiver.handle(
      await request(passportEvent("passport.updated", { timestamp: "2026-03-25T09:30:00-01:00" })),
    );
    expect(json(res.body)).toEqual({ received: true });
    expect(applied).toEqual(["passport.published", "passport.updated"]);
  });

  it("records a version only once the handlers succeeded: a failed newer event does not make older ones stale", async () => {
    const receiver = createReceiver({ provider: eulabel(), ordering: true, logger: false });
    let fail = true;
    const applied: string[] = [];
    receiver.on("*", (event) => {
      if (fail && event.type === "passport.published") throw new Error("database down");
      applied.push(event.type);
    });
    const published = await request(passportEvent("passport.published", { timestamp: at(30) }));
    expect((await receiver.handle(published)).status).toBe(500);
    expect(
      (await receiver.handle(await request(passportEvent("passport.enriched", { timestamp: at(20) }))))
        .status,
    ).toBe(200);
    fail = false;
    expect((await receiver.handle(published)).status).toBe(200);
    expect(applied).toEqual(["passport.enriched", "passport.published"]);
  });

  it("events no declaration covers, and versions that cannot be compared, run unguarded", async () => {
    const receiver = createReceiver({ provider: eulabel(), ordering: true, logger: false });
    const applied: string[] = [];
    receiver.on("*", (event) => {
      applied.push(event.type);
    });
    await receiver.handle(await request(passportEvent("passport.published", { timestamp: at(30) })));
    // No offset: not comparable. Never lost: it runs.
    const local = await receiver.handle(
      await request(passportEvent("passport.enriched", { timestamp: "2026-03-25T09:00:00" })),
    );
    expect(json(local.body)).toEqual({ received: true });
    await receiver.handle(await request({ event: "scan.threshold", id: "ps_w9x2kf", timestamp: at(1) }));
    expect(applied).toEqual(["passport.published", "passport.enriched", "scan.threshold"]);
  });

  it("custom { entity, version } callbacks; undefined means not ordered", async () => {
    const receiver = createReceiver({
      provider: eulabel(),
      logger: false,
      ordering: {
        entity: (event) =>
          event.type === "passport.deleted" ? undefined : `gtin:${String(event.payload.gtin)}`,
        version: (event) => (event.payload as { version?: number }).version,
      },
    });
    const applied: number[] = [];
    receiver.on("*", (event) => {
      applied.push((event.payload as { version: number }).version);
    });
    await receiver.handle(await request(passportEvent("passport.updated", { version: 10 })));
    const older = await receiver.handle(await request(passportEvent("passport.updated", { version: 9 })));
    expect(json(older.body)).toEqual({ received: true, stale: true });
    await receiver.handle(await request(passportEvent("passport.deleted", { version: 1 })));
    expect(applied).toEqual([10, 1]);
  });
});

describe("ordering: configuration", () => {
  it("ordering: true on a preset that declares no entity/version → invalid_config naming the fix", () => {
    expect(() =>
      createReceiver({ provider: providers.github({ secret: "s" }), ordering: true, logger: false }),
    ).toThrow(/declares none\. Pass ordering: \{ entity/);
  });

  it("a store without the version capability → invalid_config, also when ordering is on by default", () => {
    expect(() => createReceiver({ provider: eulabel(), ordering: true, store: plainStore() })).toThrow(
      /latestVersion\/advanceVersion/,
    );
    expect(() =>
      createReceiver({ provider: eulabel(), queue: new MemoryQueue(), store: plainStore() }),
    ).toThrow(/on by default with a queue/);
    // Turned off explicitly: accepted.
    createReceiver({ provider: eulabel(), queue: new MemoryQueue(), store: plainStore(), ordering: false });
    // Inline without `ordering`: off, nothing needed.
    createReceiver({ provider: eulabel(), store: plainStore() });
  });

  it("ordering.retentionMs shorter than the receiver's retention → invalid_config (an old retry would apply)", () => {
    const custom = (retentionMs: number) => ({
      entity: (event: { payload: unknown }) => (event.payload as { id: string }).id,
      version: (event: { payload: unknown }) => (event.payload as { timestamp: string }).timestamp,
      retentionMs,
    });
    expect(() => createReceiver({ provider: eulabel(), ordering: custom(1), logger: false })).toThrow(
      /ordering\.retentionMs \(1 ms\) is shorter than the receiver's retentionMs/,
    );
    createReceiver({ provider: eulabel(), ordering: custom(30 * 24 * 3_600_000), logger: false });
  });

  it("perEntity needs ordering; onStale needs ordering", () => {
    const receiver = createReceiver({
      provider: eulabel(),
      queue: new MemoryQueue(),
      ordering: false,
      logger: false,
    });
    expect(() => receiver.work({ perEntity: 1 })).toThrow(/perEntity needs `ordering`/);
    expect(() => createReceiver({ provider: eulabel(), onStale: () => {} })).toThrow(/onStale needs/);
  });
});
