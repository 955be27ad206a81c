import {
  type AnyEvent,
  createReceiver,
  type eulabelEvents,
  MemoryQueue,
  providers,
  type StaleInfo,
} from "@webhook-kit/core";
import { describe, expectTypeOf, it } from "vitest";

const provider = providers.eulabel({ secret: "s" });

describe("ordering option types", () => {
  it("entity and version callbacks receive the preset's typed events", () => {
    createReceiver({
      provider,
      ordering: {
        entity: (event) => {
          expectTypeOf(event).toEqualTypeOf<AnyEvent<typeof eulabelEvents>>();
          expectTypeOf(event.id).toEqualTypeOf<string>();
          return event.type.startsWith("passport.") ? String(event.payload.id) : undefined;
        },
        version: (event) => {
          expectTypeOf(event).toEqualTypeOf<AnyEvent<typeof eulabelEvents>>();
          const { version } = event.payload;
          return typeof version === "number" ? version : undefined;
        },
        retentionMs: 7 * 24 * 3_600_000,
      },
    });
  });

  it("callbacks must return a string / a number or string (or undefined)", () => {
    createReceiver({
      provider,
      ordering: {
        // @ts-expect-error an entity is a string
        entity: () => 42,
        version: () => "2026-03-25T10:00:00Z",
      },
    });
    createReceiver({
      provider,
      ordering: {
        entity: () => "x",
        // @ts-expect-error a version is a number or a timestamp string
        version: () => new Date(),
      },
    });
  });

  it("onStale receives the typed event and { latest, version, entity }", () => {
    createReceiver({
      provider,
      ordering: true,
      onStale: (event, info) => {
        expectTypeOf(info).toEqualTypeOf<StaleInfo>();
        expectTypeOf(info.latest).toEqualTypeOf<number>();
        expectTypeOf(event).toEqualTypeOf<AnyEvent<typeof eulabelEvents>>();
      },
    });
  });

  it("ordering is a boolean or the callbacks; perEntity is 1 or false", () => {
    const receiver = createReceiver({ provider, queue: new MemoryQueue(), ordering: false });
    expectTypeOf(receiver.work)
      .parameter(0)
      .exclude<undefined>()
      .toHaveProperty("perEntity")
      .toEqualTypeOf<1 | false | undefined>();
    // @ts-expect-error perEntity counts one job per entity, nothing else
    receiver.work({ perEntity: 2 });
    // @ts-expect-error ordering is a boolean or { entity, version }
    createReceiver({ provider, ordering: "on" });
  });
});
