import {
  createReceiver,
  defineProvider,
  type Provider,
  providers,
  retentionForSchedule,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { acmeDefinition, refusal, SECRET } from "./support.js";

/** A custom provider's timing facts: a NaN, a negative, a string or a µs-sized value would poison every delivery. */
const base = acmeDefinition;

describe("defineProvider refuses timing facts out of range, naming the field and the range", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      "a NaN delay",
      { retrySchedule: [0, Number.NaN] },
      /retrySchedule\[1\] must be a finite number of ms ≥ 0, got NaN/,
    ],
    ["a negative delay", { retrySchedule: [0, -1e9] }, /retrySchedule\[1\] .*≥ 0, got -1000000000/],
    ["a string delay", { retrySchedule: ["1000"] }, /retrySchedule\[0\] .*got a string/],
    ["an infinite delay", { retrySchedule: [0, Number.POSITIVE_INFINITY] }, /retrySchedule\[1\]/],
    [
      "a schedule past 366 days",
      { retrySchedule: [0, 1e15] },
      /retrySchedule implies a retention of more than 31622400000 ms \(366 days\)/,
    ],
    [
      "retentionMs -1",
      { retentionMs: -1 },
      /retentionMs must be a finite number of ms greater than 0 and at most 31622400000 \(366 days\), got -1/,
    ],
    ["retentionMs NaN", { retentionMs: Number.NaN }, /retentionMs .*got NaN/],
    ["retentionMs past 366 days", { retentionMs: 367 * 86_400_000 }, /retentionMs .*at most 31622400000/],
    [
      "timeoutMs NaN",
      { timeoutMs: Number.NaN },
      /timeoutMs must be a finite number of ms greater than 0 and at most 3600000 \(1 hour\), got NaN/,
    ],
    ["timeoutMs -5", { timeoutMs: -5 }, /timeoutMs .*got -5/],
    ["timeoutMs 0", { timeoutMs: 0 }, /timeoutMs .*got 0/],
    ["leaseMs NaN", { leaseMs: Number.NaN }, /leaseMs .*got NaN/],
  ];
  for (const [name, facts, message] of cases) {
    it(name, () => {
      const error = refusal(() =>
        defineProvider({ ...base, ...facts } as Parameters<typeof defineProvider>[0]),
      );
      expect(error.code).toBe("invalid_config");
      expect(error.message).toMatch(/^defineProvider: /);
      expect(error.message).toMatch(message);
    });
  }

  it("the edges are accepted: delays of 0, retention of exactly 366 days, a 1 h timeout", () => {
    expect(defineProvider({ ...base, retrySchedule: [0, 0] }).retentionMs).toBe(10 * 60_000 + 60_000);
    expect(defineProvider({ ...base, retentionMs: 366 * 86_400_000 }).retentionMs).toBe(366 * 86_400_000);
    expect(defineProvider({ ...base, timeoutMs: 3_600_000 }).timeoutMs).toBe(3_600_000);
  });

  it("retentionForSchedule refuses the same inputs", () => {
    expect(refusal(() => retentionForSchedule([0, Number.NaN], 10_000)).code).toBe("invalid_config");
    expect(refusal(() => retentionForSchedule([0], Number.NaN)).message).toMatch(
      /^retentionForSchedule: timeoutMs/,
    );
  });
});

describe("createReceiver checks a provider's timing facts too (a provider spread with an override)", () => {
  const good = defineProvider(base);
  const cases: [string, Partial<Provider>, RegExp][] = [
    [
      "timeoutMs NaN (ack deadline NaN: every delivery 202)",
      { timeoutMs: Number.NaN },
      /timeoutMs .*got NaN/,
    ],
    ["timeoutMs -5 (ack deadline 1 ms)", { timeoutMs: -5 }, /timeoutMs .*got -5/],
    ["retentionMs -1", { retentionMs: -1 }, /retentionMs .*got -1/],
    ["retentionMs 1e300 (Redis PX refused)", { retentionMs: 1e300 }, /retentionMs .*at most 31622400000/],
    ["leaseMs NaN", { leaseMs: Number.NaN }, /leaseMs .*got NaN/],
    ["a NaN delay", { retrySchedule: [0, Number.NaN] }, /retrySchedule\[1\]/],
  ];
  for (const [name, override, message] of cases) {
    it(name, () => {
      const error = refusal(() => createReceiver({ provider: { ...good, ...override } }));
      expect(error.code).toBe("invalid_config");
      expect(error.message).toMatch(/^createReceiver: provider "acme": /);
      expect(error.message).toMatch(message);
    });
  }

  it("the receiver's own retentionMs and leaseMs have the same bounds", () => {
    expect(refusal(() => createReceiver({ provider: good, retentionMs: 1e300 })).message).toMatch(
      /^createReceiver: retentionMs .*366 days/,
    );
    expect(refusal(() => createReceiver({ provider: good, leaseMs: 2 * 3_600_000 })).message).toMatch(
      /^createReceiver: leaseMs .*1 hour/,
    );
  });

  it("every preset passes", () => {
    // Discord verifies with a public key: every preset gets both and reads its own.
    // (RFC 8032's test 1 public key: a real curve point, as configuration now checks.)
    const publicKey = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    for (const make of Object.values(providers) as ((o: {
      secret: string;
      publicKey: string;
    }) => Provider)[]) {
      expect(() => createReceiver({ provider: make({ secret: SECRET, publicKey }) })).not.toThrow();
    }
  });
});

describe("createReceiver and work() refuse durations Node's timers cannot keep", () => {
  // A timer past 2^31 − 1 ms fires at once: an ack deadline of 30 days would answer every delivery at once.
  const provider = providers.eulabel({ secret: SECRET });
  it.each([
    ["ackDeadlineMs", { ackDeadlineMs: 30 * 24 * 3_600_000 }],
    ["handlerTimeoutMs", { handlerTimeoutMs: 2 ** 31 }],
    ["storeTimeoutMs", { storeTimeoutMs: Number.POSITIVE_INFINITY }],
    ["bodyTimeoutMs", { bodyTimeoutMs: 1e12 }],
  ])("%s", (name, options) => {
    const refused = refusal(() => createReceiver({ provider, ...options }));
    expect(refused.code).toBe("invalid_config");
    expect(refused.message).toContain(`${name} must be a positive number`);
    expect(refused.message).toContain("at most 2147483647");
  });

  it("work({ handlerTimeoutMs }) too", async () => {
    const { MemoryQueue } = await import("@webhook-kit/core");
    const receiver = createReceiver({ provider, queue: new MemoryQueue() });
    expect(refusal(() => receiver.work({ handlerTimeoutMs: 40 * 24 * 3_600_000 })).code).toBe(
      "invalid_config",
    );
  });
});
