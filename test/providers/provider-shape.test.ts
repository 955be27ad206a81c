import { createReceiver, defineProvider, hmacSignature, isWebhookError, providers } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { SECRET } from "./support.js";

/**
 * A JavaScript caller (or an `as` cast) can leave out what TypeScript requires: the receiver must say which
 * part is missing at start-up, as `invalid_config`, never fail with a TypeError inside createReceiver or on the
 * first delivery.
 */
const base = {
  name: "acme",
  signature: hmacSignature({ header: "x-acme-signature", prefix: "sha256=", secret: SECRET }),
  events: {},
  eventType: () => "ping",
  idempotencyKey: () => "k",
};

function refusal(build: () => unknown): { code: string; message: string } {
  try {
    build();
  } catch (error) {
    if (isWebhookError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error("accepted");
}

const without = (field: keyof typeof base) => {
  const { [field]: _dropped, ...rest } = base;
  return rest;
};

const cases: [string, Record<string, unknown>, RegExp][] = [
  ["no signature", without("signature"), /signature must be a signature scheme .*got undefined/],
  ["a signature with no verify()", { ...base, signature: { name: "x" } }, /without a verify\(\) method/],
  ["a secret string where the scheme goes", { ...base, signature: SECRET }, /signature must be .*got a string/],
  ["no name", without("name"), /name must be a non-empty string/],
  ["a blank name", { ...base, name: "  " }, /name must be a non-empty string/],
  ["no events", without("events"), /events must be an object .*got undefined/],
  ["events as an array", { ...base, events: ["ping"] }, /events must be an object .*got an array/],
  ["no eventType", without("eventType"), /eventType must be a function .*got undefined/],
  ["eventType as a string", { ...base, eventType: "type" }, /eventType must be a function .*got a string/],
  ["no idempotencyKey", without("idempotencyKey"), /idempotencyKey must be a function/],
  ["attempt not a function", { ...base, attempt: 3 }, /attempt, when given, must be a function .*got a number/],
];

describe("defineProvider names a missing or mistyped part", () => {
  for (const [name, definition, message] of cases) {
    it(name, () => {
      // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's definition, not a typed one
      const error = refusal(() => defineProvider(definition as any));
      expect(error.code).toBe("invalid_config");
      expect(error.message).toMatch(/^defineProvider: /);
      expect(error.message).toMatch(message);
    });
  }

  it("a definition that is not an object", () => {
    // biome-ignore lint/suspicious/noExplicitAny: a JavaScript caller's mistake
    const error = refusal(() => defineProvider(undefined as any));
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/expected a provider definition object, got undefined/);
  });
});

describe("createReceiver checks the same for a provider spread with an override", () => {
  const good = defineProvider(base);
  for (const [name, definition, message] of cases.filter(([n]) => n !== "no name" && n !== "a blank name")) {
    it(name, () => {
      const provider = { ...definition, kind: good.kind };
      // biome-ignore lint/suspicious/noExplicitAny: a provider changed after defineProvider
      const error = refusal(() => createReceiver({ provider: provider as any }));
      expect(error.code).toBe("invalid_config");
      expect(error.message).toMatch(/^createReceiver: provider "acme": /);
      expect(error.message).toMatch(message);
    });
  }

  it("every preset passes, and a good definition still builds", () => {
    expect(() => createReceiver({ provider: good })).not.toThrow();
    expect(() => createReceiver({ provider: providers.github({ secret: SECRET }) })).not.toThrow();
    expect(() => createReceiver({ provider: providers.stripe({ secret: SECRET }) })).not.toThrow();
  });
});
