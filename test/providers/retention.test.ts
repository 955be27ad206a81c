import { createReceiver, MemoryStore, type Provider, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/**
 * Body-hash keys drop a genuine event whose bytes equal an earlier one's (a PIM pushing price 10 → 12 → 10)
 * for as long as the key is kept. So it is kept only until the sender's last retry has ended, plus a margin:
 * a retry inside that is a duplicate, an identical genuine event after it runs.
 */
interface Case {
  name: string;
  provider: Provider;
  payload: Record<string, unknown>;
  /** When the sender's last attempt ends, from the seed's schedule: sum of delays + every attempt's timeout. */
  lastAttemptEndsMs: number;
  /** A moment by which the key must be gone again. */
  goneByMs: number;
}

const cases: Case[] = [
  {
    name: "eulabel (seed 001: immediate, 30 s, 2 min, 15 min, 1 h, 4 h; 30 s timeout)",
    provider: providers.eulabel({ secret: SECRET }),
    payload: {
      event: "scan.threshold",
      id: "ps_1",
      timestamp: "2026-03-25T10:00:00Z",
    },
    lastAttemptEndsMs: 30 * SECOND + 2 * MINUTE + 15 * MINUTE + HOUR + 4 * HOUR + 6 * 30 * SECOND,
    goneByMs: 7 * HOUR,
  },
  {
    name: "eulabelInbound (no schedule documented: EUlabel's own assumed)",
    provider: providers.eulabelInbound({ secret: SECRET }),
    payload: { event: "item.update", gtin: "05601234567890", data: { price: 10 } },
    lastAttemptEndsMs: 30 * SECOND + 2 * MINUTE + 15 * MINUTE + HOUR + 4 * HOUR + 6 * 30 * SECOND,
    goneByMs: 7 * HOUR,
  },
  {
    name: "eudr (seed 002: 1 s, 5 s, 30 s; 10 s timeout)",
    provider: providers.eudr({ secret: SECRET }),
    payload: {
      event: "supplier.updated",
      timestamp: "2024-01-15T10:30:00.000Z",
      integrationId: "int_abc123",
      data: { externalId: "VENDOR-001", internalId: "clx1" },
    },
    lastAttemptEndsMs: (1 + 5 + 30) * SECOND + 4 * 10 * SECOND,
    goneByMs: 15 * MINUTE,
  },
];

describe("body-hash keys are kept as long as the sender's retry schedule needs, plus a margin", () => {
  for (const c of cases) {
    it(`${c.name}: a retry at the end of the schedule is a duplicate; the same bytes after it run again`, async () => {
      let now = 1_750_000_000_000;
      const receiver = createReceiver({ provider: c.provider, store: new MemoryStore({ now: () => now }) });
      const seen = recordAll(receiver);
      const wire = await signed(c.provider, c.payload);
      const start = now;
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
      now = start + c.lastAttemptEndsMs;
      expect(json((await receiver.handle(request(wire))).body)).toMatchObject({ duplicate: true });
      now = start + c.goneByMs;
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
      expect(seen).toHaveBeenCalledTimes(2);
      // The margin is real: at least 10 min, or a quarter of the schedule, past the last attempt.
      expect(c.provider.retentionMs).toBeGreaterThanOrEqual(
        c.lastAttemptEndsMs + Math.max(10 * MINUTE, c.lastAttemptEndsMs / 4),
      );
    });
  }

  it("shipping (schedule unpublished) keeps 72 h: its signed content always carries the event's timestamp", () => {
    expect(providers.shipping({ secret: SECRET }).retentionMs).toBe(72 * HOUR);
  });
});
