import { createReceiver, MemoryStore, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { passportEvent, SECRET, signedDelivery } from "../support/deliveries.js";

// Sender-chosen ids are bounded: a namespaced key of up to 200 characters is kept as it is, a longer one is
// replaced by the provider name and the SHA-256 of the sender's id.

const PREFIX = "eulabel:";

async function keyFor(rawId: string): Promise<string> {
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: SECRET, idempotencyKey: () => rawId }),
    store: new MemoryStore(),
  });
  const ids: string[] = [];
  receiver.on("*", (event) => {
    ids.push(event.id);
  });
  const { body, headers } = await signedDelivery(passportEvent());
  const res = await receiver.handle({ method: "POST", headers, rawBody: body });
  expect(res.status, res.body).toBe(200);
  expect(ids).toHaveLength(1);
  return ids[0]!;
}

const hashed = /^eulabel:sha256:[0-9a-f]{64}$/;

describe("idempotency keys over 200 characters are hashed", () => {
  it("keeps a key of exactly 200 characters as it is", async () => {
    const raw = "k".repeat(200 - PREFIX.length);
    expect(await keyFor(raw)).toBe(`${PREFIX}${raw}`);
  });

  it("hashes a key of 201 characters, and a much longer one", async () => {
    for (const length of [201 - PREFIX.length, 5_000, 10_000]) {
      const key = await keyFor("k".repeat(length));
      expect(key, `raw id of ${length} characters`).toMatch(hashed);
    }
  });

  it("hashes the sender's id itself: two long ids differing in one character get different keys", async () => {
    const a = await keyFor(`${"k".repeat(300)}a`);
    const b = await keyFor(`${"k".repeat(300)}b`);
    expect(a).toMatch(hashed);
    expect(b).toMatch(hashed);
    expect(a).not.toBe(b);
    expect(await keyFor(`${"k".repeat(300)}a`)).toBe(a);
  });
});
