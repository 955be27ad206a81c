import { createRequire } from "node:module";
import { createReceiver, defaultCrypto, nodeCrypto, verify } from "@webhook-kit/core";
import { afterEach, describe, expect, it, vi } from "vitest";
import { constantTimeEqual } from "../../packages/core/src/crypto.js";
import { forgeDigest, presetCases, signedCase } from "../support/presets.js";

// The default crypto reaches node:crypto at run time (process.getBuiltinModule), which hands out this very
// exports object: a spy on it sees every comparison the default path makes, whatever file makes it.
const nodeCryptoModule = createRequire(import.meta.url)("node:crypto") as typeof import("node:crypto");

function spyOnNodeCompare() {
  const spy = vi.spyOn(nodeCryptoModule, "timingSafeEqual");
  return {
    spy,
    /** What each call returned, in order. */
    results: () => spy.mock.results.map((r) => r.value as boolean),
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("constant-time comparison on the default node:crypto path (no crypto option)", () => {
  it.each(presetCases.map((c) => [c.name, c] as const))(
    "%s: a valid signature is compared with node's timingSafeEqual, and so is a forged digest",
    async (_, preset) => {
      const wire = await signedCase(preset);
      const { spy, results } = spyOnNodeCompare();
      const receiver = createReceiver({ provider: preset.make() });
      const ok = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
      expect(ok.status, ok.body).toBe(200);
      expect(spy).toHaveBeenCalled();
      expect(results()).toContain(true);

      spy.mockClear();
      const forged = forgeDigest(wire);
      const bad = await createReceiver({ provider: preset.make() }).handle({
        method: "POST",
        headers: forged.headers,
        rawBody: forged.body,
      });
      expect(bad.status, bad.body).toBe(401);
      expect(JSON.parse(bad.body).error).toBe("invalid_signature");
      // The forgery reached a comparison (its prefix and format are intact) and every comparison said no.
      expect(spy).toHaveBeenCalled();
      expect(results().every((r) => r === false)).toBe(true);
      for (const [a, b] of spy.mock.calls) expect(a.byteLength).toBe(b.byteLength);
    },
  );

  it("verify() and defaultCrypto() use node's timingSafeEqual too", async () => {
    const preset = presetCases[0]!;
    const wire = await signedCase(preset);
    const { spy } = spyOnNodeCompare();
    expect(
      await verify(preset.make(), { method: "POST", headers: wire.headers, rawBody: wire.body }),
    ).toEqual({
      ok: true,
    });
    expect(spy).toHaveBeenCalledTimes(1);
    const a = new Uint8Array([1, 2, 3]);
    expect(defaultCrypto().timingSafeEqual(a, new Uint8Array([1, 2, 3]))).toBe(true);
    expect(defaultCrypto().timingSafeEqual(a, new Uint8Array([1, 2, 4]))).toBe(false);
    expect(spy).toHaveBeenCalledTimes(3);
  });

  it("nodeCrypto(node) delegates equal-length comparisons to node.timingSafeEqual and refuses other lengths", () => {
    const compare = vi.fn(nodeCryptoModule.timingSafeEqual);
    const provider = nodeCrypto({ ...nodeCryptoModule, timingSafeEqual: compare } as unknown as Parameters<
      typeof nodeCrypto
    >[0]);
    expect(provider.timingSafeEqual(new Uint8Array([7, 7]), new Uint8Array([7, 7]))).toBe(true);
    expect(provider.timingSafeEqual(new Uint8Array([7, 7]), new Uint8Array([7, 8]))).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
    // node's own function throws on a length mismatch; the provider answers false without calling it.
    expect(provider.timingSafeEqual(new Uint8Array([7]), new Uint8Array([7, 7]))).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
  });
});

/** A byte array whose every indexed read is counted. */
function counted(bytes: number[], reads: number[]): Uint8Array {
  const target = new Uint8Array(bytes);
  return new Proxy(target, {
    get(t, key) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads[Number(key)] = (reads[Number(key)] ?? 0) + 1;
      const value = Reflect.get(t, key, t);
      return typeof value === "function" ? value.bind(t) : value;
    },
  });
}

describe("constantTimeEqual (the Web Crypto path's comparison)", () => {
  it("reads every byte of both inputs, wherever the first difference is (no early exit)", () => {
    const n = 32;
    const base = Array.from({ length: n }, (_, i) => i);
    for (const differAt of [0, 1, n / 2, n - 1, -1]) {
      const other = [...base];
      if (differAt >= 0) other[differAt] = 255;
      const readsA: number[] = [];
      const readsB: number[] = [];
      const equal = constantTimeEqual(counted(base, readsA), counted(other, readsB));
      expect(equal).toBe(differAt === -1);
      for (let i = 0; i < n; i++) {
        expect(readsA[i], `byte ${i} of a (difference at ${differAt})`).toBeGreaterThanOrEqual(1);
        expect(readsB[i], `byte ${i} of b (difference at ${differAt})`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("tells equal from unequal and refuses different lengths", () => {
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0x80]), new Uint8Array([0x00]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 0]), new Uint8Array([1, 2]))).toBe(false);
  });
});
