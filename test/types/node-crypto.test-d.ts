import * as nodeCryptoModule from "node:crypto";
import { type CryptoProvider, nodeCrypto } from "@webhook-kit/core";
import { describe, expectTypeOf, it } from "vitest";

describe("nodeCrypto takes node:crypto itself, as its JSDoc example shows", () => {
  it("the module namespace and a dynamic import both fit", async () => {
    expectTypeOf(nodeCrypto(nodeCryptoModule)).toEqualTypeOf<CryptoProvider>();
    expectTypeOf(nodeCrypto(await import("node:crypto"))).toEqualTypeOf<CryptoProvider>();
  });
});
