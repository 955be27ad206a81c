import { createReceiver, type IdempotencyStore, MemoryStore, type Provider } from "@webhook-kit/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { forgeDigest, PRESET_SECRET, presetCases, signedCase } from "../support/presets.js";

// "Unsigned requests never reach the store or the JSON parser": a request whose signature is missing, forged,
// made with another secret or outside the time window is refused before the body is parsed as JSON, before
// any provider hook reads it, and before the idempotency store hears of it.

/** A MemoryStore that records every call made to it. */
function recordingStore() {
  const inner = new MemoryStore();
  const calls: string[] = [];
  const record = <T>(what: string, key: string, call: () => T): T => {
    calls.push(`${what} ${key}`);
    return call();
  };
  const store: IdempotencyStore = {
    claim: (key, o) => record("claim", key, () => inner.claim(key, o)),
    complete: (key, token, o) => record("complete", key, () => inner.complete(key, token, o)),
    release: (key, token) => record("release", key, () => inner.release(key, token)),
    renew: (key, token, o) => record("renew", key, () => inner.renew(key, token, o)),
  };
  return { store, calls };
}

/** The preset with its body-reading hooks watched. */
function watched(provider: Provider) {
  const hooks: string[] = [];
  const watchedProvider: Provider = {
    ...provider,
    eventType: (delivery) => {
      hooks.push("eventType");
      return provider.eventType(delivery);
    },
    idempotencyKey: (delivery) => {
      hooks.push("idempotencyKey");
      return provider.idempotencyKey(delivery);
    },
  };
  return { provider: watchedProvider, hooks };
}

afterEach(() => {
  vi.restoreAllMocks();
});

type Attempt = [label: string, headers: Record<string, string>, body: Uint8Array, code: string];

async function attempts(preset: (typeof presetCases)[number]): Promise<Attempt[]> {
  const wire = await signedCase(preset);
  const forged = forgeDigest(wire);
  const other = await signedCase({ ...preset, make: () => preset.make("another-secret-entirely") });
  const unsigned = { ...wire.headers };
  for (const name of Object.keys(unsigned)) if (name.includes("signature")) delete unsigned[name];
  const unsignedBody = new TextEncoder().encode(wire.text.replace(/,?"signature":"[^"]*"/, ""));
  return [
    ["no signature", unsigned, unsignedBody, "missing_signature"],
    ["a forged digest", forged.headers, forged.body, "invalid_signature"],
    ["another secret", other.headers, other.body, "invalid_signature"],
  ];
}

describe("a request that fails verification reaches neither the store, nor JSON.parse, nor a provider hook", () => {
  it.each(presetCases.map((c) => [c.name, c] as const))("%s", async (_, preset) => {
    expect(PRESET_SECRET).not.toBe("another-secret-entirely");
    for (const [label, headers, body, code] of await attempts(preset)) {
      const { store, calls } = recordingStore();
      const { provider, hooks } = watched(preset.make());
      const receiver = createReceiver({ provider, store });
      const handler = vi.fn();
      receiver.on("*", handler);
      const text = new TextDecoder().decode(body);
      const parse = vi.spyOn(JSON, "parse");
      const res = await receiver.handle({ method: "POST", headers, rawBody: body });
      // Only small pieces (a body-embedded signature's own string) may be parsed, never the body.
      const parsedBodies = parse.mock.calls.filter(
        ([arg]) => typeof arg === "string" && arg.length > text.length / 2,
      );
      parse.mockRestore();
      expect(res.status, `${label}: ${res.body}`).toBe(401);
      expect(JSON.parse(res.body).error, label).toBe(code);
      expect(parsedBodies, label).toEqual([]);
      expect(hooks, label).toEqual([]);
      expect(calls, label).toEqual([]);
      expect(handler, label).not.toHaveBeenCalled();
    }
  });

  it("a timestamped preset refuses a replay outside its window before parsing or claiming", async () => {
    for (const preset of presetCases.filter((c) => ["stripe", "standardWebhooks"].includes(c.name))) {
      const wire = await signedCase(preset);
      const { store, calls } = recordingStore();
      const { provider, hooks } = watched(preset.make());
      const receiver = createReceiver({ provider, store, now: () => Date.now() + 3_600_000 });
      const parse = vi.spyOn(JSON, "parse");
      const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
      const parsedBodies = parse.mock.calls.filter(([arg]) => arg === wire.text);
      parse.mockRestore();
      expect(res.status, preset.name).toBe(401);
      expect(JSON.parse(res.body).error, preset.name).toBe("timestamp_out_of_range");
      expect(parsedBodies, preset.name).toEqual([]);
      expect(hooks, preset.name).toEqual([]);
      expect(calls, preset.name).toEqual([]);
    }
  });

  it("the same watchers do see a valid delivery (they are not blind)", async () => {
    const preset = presetCases[0]!;
    const wire = await signedCase(preset);
    const { store, calls } = recordingStore();
    const { provider, hooks } = watched(preset.make());
    const receiver = createReceiver({ provider, store });
    receiver.on("*", () => {});
    const parse = vi.spyOn(JSON, "parse");
    const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
    const parsedBodies = parse.mock.calls.filter(([arg]) => arg === wire.text);
    parse.mockRestore();
    expect(res.status).toBe(200);
    expect(parsedBodies).toHaveLength(1);
    expect(hooks).toEqual(expect.arrayContaining(["eventType", "idempotencyKey"]));
    expect(calls.map((c) => c.split(" ")[0])).toEqual(["claim", "complete"]);
  });
});
