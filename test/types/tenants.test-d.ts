import { createReceiver, defineProvider, hmacSignature, providers, type SecretHead } from "@webhook-kit/core";
import { describe, expectTypeOf, it } from "vitest";

describe("secrets per endpoint: types", () => {
  it("accepts a secret function on presets and schemes, sync or async, and types event.tenant", () => {
    const receiver = createReceiver({
      provider: providers.eudr({ secret: async ({ tenant }) => (tenant === "a" ? ["s1", "s2"] : undefined) }),
      tenant: ({ headers, params, path }) => params?.tenant ?? headers["x-webhook-id"] ?? path,
    });
    receiver.on("supplier.created", (event) => {
      expectTypeOf(event.tenant).toEqualTypeOf<string | undefined>();
    });
    expectTypeOf(receiver.secrets.forget).parameters.toEqualTypeOf<[tenant?: string]>();
    defineProvider({
      name: "acme",
      signature: hmacSignature({
        header: "x-sig",
        secret: (head) => {
          expectTypeOf(head).toEqualTypeOf<SecretHead>();
          expectTypeOf(head.tenant).toEqualTypeOf<string>();
          return "s";
        },
      }),
      events: {},
      eventType: () => "x",
      idempotencyKey: () => "k",
    });
  });

  it("refuses a secret function that returns something else than secrets", () => {
    // @ts-expect-error a number is no secret
    providers.eulabel({ secret: () => 42 });
  });
});
