import { createReceiver, defineProvider, type EventSchemas, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { acmeDefinition, refusal, SECRET } from "./support.js";

/**
 * A JavaScript caller (or an `as` cast) can leave out what TypeScript requires: the receiver must say which
 * part is missing at start-up, as `invalid_config`, never fail with a TypeError inside createReceiver or on the
 * first delivery.
 */
const base = acmeDefinition;

const without = (field: keyof typeof base) => {
  const { [field]: _dropped, ...rest } = base;
  return rest;
};

/** An old-style validator: has parse(), no "~standard". */
const legacySchema = { parse: (value: unknown) => value };

const cases: [string, Record<string, unknown>, RegExp][] = [
  ["no signature", without("signature"), /signature must be a signature scheme .*got undefined/],
  ["a signature with no verify()", { ...base, signature: { name: "x" } }, /without a verify\(\) method/],
  [
    "a secret string where the scheme goes",
    { ...base, signature: SECRET },
    /signature must be .*got a string\.$/,
  ],
  ["no name", without("name"), /name must be a non-empty string/],
  ["a blank name", { ...base, name: "  " }, /name must be a non-empty string/],
  ["no events", without("events"), /events must be a plain object .*got undefined/],
  ["events as an array", { ...base, events: ["ping"] }, /events must be a plain object .*got an array/],
  [
    "events as a Map",
    { ...base, events: new Map([["ping", z.object({})]]) },
    /events must be a plain object .*got a Map/,
  ],
  [
    "an event validator that is not a Standard Schema",
    { ...base, events: { "order.paid": legacySchema } },
    /events\["order\.paid"\] must be a Standard Schema validator .*got an object without "~standard"/,
  ],
  ["no eventType", without("eventType"), /eventType must be a function .*got undefined/],
  ["eventType as a string", { ...base, eventType: "type" }, /eventType must be a function .*got a string/],
  ["no idempotencyKey", without("idempotencyKey"), /idempotencyKey must be a function/],
  [
    "attempt not a function",
    { ...base, attempt: 3 },
    /attempt, when given, must be a function .*got a number/,
  ],
  [
    "payload not a function",
    { ...base, payload: "data" },
    /payload, when given, must be a function .*got a string/,
  ],
  [
    "deliveryHeaders as one string",
    { ...base, deliveryHeaders: "x-acme-delivery" },
    /deliveryHeaders, when given, must be an array of header names .*got a string/,
  ],
];

describe("defineProvider names a missing or mistyped part", () => {
  for (const [name, definition, message] of cases) {
    it(name, () => {
      // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's definition, not a typed one
      const error = refusal(() => defineProvider(definition as any));
      expect(error.code).toBe("invalid_config");
      expect(error.message).toMatch(/^defineProvider: /);
      expect(error.message).toMatch(message);
      expect(error.message).not.toContain(SECRET);
    });
  }

  it("a definition that is not an object, or is an array", () => {
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's mistake
    const loose = defineProvider as (definition: any) => unknown;
    expect(refusal(() => loose(undefined)).message).toMatch(
      /expected a provider definition object, got undefined/,
    );
    expect(refusal(() => loose([])).message).toMatch(/expected a provider definition object, got an array/);
  });

  it("a class instance's methods are not copied, and the message says so", () => {
    class Acme {
      name = "acme";
      signature = base.signature;
      events = {};
      eventType() {
        return "ping";
      }
      idempotencyKey() {
        return "k";
      }
    }
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's definition
    const error = refusal(() => defineProvider(new Acme() as any));
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(
      /eventType must be a function .*not an own enumerable property .*class method/,
    );
  });

  it("legitimate shapes still build: undefined validators, Object.create(null) events, frozen definitions", () => {
    const events = Object.assign(Object.create(null) as EventSchemas, {
      ping: undefined,
      "order.paid": z.looseObject({ id: z.string() }),
    });
    expect(() => defineProvider(Object.freeze({ ...base, events }))).not.toThrow();
    expect(() =>
      createReceiver({ provider: defineProvider({ ...base, deliveryHeaders: [] }) }),
    ).not.toThrow();
  });
});

describe("createReceiver checks the same for a provider spread with an override", () => {
  const good = defineProvider(base);
  for (const [name, definition, message] of cases) {
    it(name, () => {
      const provider = { ...definition, kind: good.kind };
      // biome-ignore lint/suspicious/noExplicitAny: a provider changed after defineProvider
      const error = refusal(() => createReceiver({ provider: provider as any }));
      expect(error.code).toBe("invalid_config");
      // Named only when the name is a string (a missing one is not printed as "undefined").
      expect(error.message).toMatch(
        typeof definition.name === "string"
          ? /^createReceiver: provider "[^"]*": /
          : /^createReceiver: provider: /,
      );
      expect(error.message).toMatch(message);
    });
  }

  it("a name that cannot be printed, or that holds a secret, is not put in the message", () => {
    const unprintable = { ...good, name: Object.create(null) };
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's mistake
    const first = refusal(() => createReceiver({ provider: unprintable as any }));
    expect(first.message).toMatch(
      /^createReceiver: provider: name must be a non-empty string .*got an object/,
    );
    const secretive = { ...good, name: [SECRET] };
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's mistake
    const second = refusal(() => createReceiver({ provider: secretive as any }));
    expect(second.message).not.toContain(SECRET);
  });

  it("allowedIps as one string, or holding a non-string, is invalid_config, not a TypeError", () => {
    // A JavaScript caller's mistake: `never` lets any value through the types.
    const loose = (allowedIps: unknown) => () =>
      createReceiver({ provider: good, allowedIps: allowedIps as never });
    expect(refusal(loose("10.0.0.0/8"))).toEqual({
      code: "invalid_config",
      message: expect.stringMatching(
        /^allowedIps: expected an array of addresses or CIDR ranges .*got a string/,
      ),
    });
    expect(refusal(loose([10])).message).toMatch(/^allowedIps: each entry must be a string.*got a number/);
    // Never read as "no list": each of these would otherwise switch the allow-list off silently.
    for (const value of [new Set(["10.0.0.0/8"]), { 0: "10.0.0.0/8" }, true, ""]) {
      expect(refusal(loose(value)).message).toMatch(/^allowedIps: expected an array/);
    }
    expect(refusal(loose([])).message).toMatch(
      /^allowedIps: the list is empty, which would let every address in/,
    );
    expect(() => createReceiver({ provider: good, allowedIps: false })).not.toThrow();
    const fromProvider = { ...good, allowedIps: new Set(["10.0.0.0/8"]) };
    // biome-ignore lint/suspicious/noExplicitAny: a provider spread with a mistyped override
    expect(refusal(() => createReceiver({ provider: fromProvider as any })).code).toBe("invalid_config");
  });

  it("a good definition and presets still build (every preset: timing-facts.test.ts)", () => {
    expect(() => createReceiver({ provider: good })).not.toThrow();
    expect(() => createReceiver({ provider: providers.github({ secret: SECRET }) })).not.toThrow();
  });
});
