import { jobIdFromKey, keyFromJobId } from "@webhook-kit/bullmq";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

// BullMQ's own rule for custom ids (Job.validateOptions): not an integer, no ':' outside `a:b:c`.
const bullmqAccepts = (id: string) => `${Number.parseInt(id, 10)}` !== id && !id.includes(":");

describe("job id ⇄ idempotency key", () => {
  it.each([
    ["eulabel:passport.published:9f2c", "eulabel%3Apassport.published%3A9f2c"],
    ["100%:x", "100%25%3Ax"],
    ["12345", "%312345"],
    ["-7", "%2D7"],
    ["0", "%30"],
    ["007", "007"],
    ["msg_2fT", "msg_2fT"],
  ])("%s → %s", (key, id) => {
    expect(jobIdFromKey(key)).toBe(id);
    expect(keyFromJobId(id)).toBe(key);
    expect(bullmqAccepts(id)).toBe(true);
  });

  it("is reversible and always acceptable to BullMQ, for any non-empty key", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, unit: "binary" }), (key) => {
        const id = jobIdFromKey(key);
        expect(keyFromJobId(id)).toBe(key);
        expect(bullmqAccepts(id)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is injective: two keys never share an id", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        fc.pre(a !== b);
        expect(jobIdFromKey(a)).not.toBe(jobIdFromKey(b));
      }),
      { numRuns: 2_000 },
    );
  });
});
