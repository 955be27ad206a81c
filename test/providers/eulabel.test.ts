import { createReceiver, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const provider = () => providers.eulabel({ secret: SECRET });
const passport = (event: string, timestamp: string, completeness: number) => ({
  event,
  id: "ps_w9x2kf",
  gtin: "05601234567890",
  timestamp,
  compliance: {
    status: completeness === 100 ? "compliant" : "incomplete",
    regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
    completeness,
    missingFields: [],
    documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
  },
  passportUrl: "https://eulabel.eu/01/05601234567890",
});

describe("providers.eulabel (seed 001): the key is never the passport id", () => {
  it("keeps the progressive flow's events about one passport apart; a redelivery is a duplicate", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const flow = [
      passport("passport.draft_created", "2026-03-25T10:00:00Z", 20),
      passport("passport.enriched", "2026-03-25T10:05:00Z", 60),
      passport("passport.published", "2026-03-25T10:15:00Z", 100),
    ];
    const wires = await Promise.all(flow.map((p) => signed(provider(), p)));
    for (const wire of wires)
      expect(json((await receiver.handle(request(wire))).body)).toEqual({ received: true });
    expect(json((await receiver.handle(request(wires[1]!))).body)).toMatchObject({ duplicate: true });
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual([
      "passport.draft_created",
      "passport.enriched",
      "passport.published",
    ]);
  });
});
