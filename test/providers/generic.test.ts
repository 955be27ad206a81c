import { createHmac } from "node:crypto";
import { createReceiver, providers, utf8Bytes } from "@webhook-kit/core";
import { describe, expect, expectTypeOf, it } from "vitest";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const provider = () => providers.generic({ secret: SECRET });
/** X-Webhook-Id is the *webhook's* id (seed 003): the same on every event. */
const headers = (type: string) => ({
  "x-webhook-id": "wh_123456",
  "x-webhook-event": type,
  "user-agent": "ExampleAPI-Webhooks/1.0",
});

const userCreated = (id = "evt_abc123", data: Record<string, unknown> = {}) => ({
  id,
  type: "user.created",
  created_at: "2023-12-01T15:30:00Z",
  data: {
    id: "usr_789",
    name: "John Doe",
    email: "john@example.com",
    created_at: "2023-12-01T15:30:00Z",
    ...data,
  },
});

describe("providers.generic (seed 003)", () => {
  it("hands over the typed envelope, keyed by the body's evt_ id", async () => {
    const receiver = createReceiver({ provider: provider() });
    let seen: { id: string; email: string | undefined } | undefined;
    receiver.on("user.created", (event) => {
      expectTypeOf(event.payload.data.email).toEqualTypeOf<string | undefined>();
      seen = { id: event.id, email: event.payload.data.email };
    });
    const res = await receiver.handle(
      request(await signed(provider(), userCreated(), { headers: headers("user.created") })),
    );
    expect(res.status).toBe(200);
    expect(seen).toEqual({ id: "generic:evt_abc123", email: "john@example.com" });
  });

  it("never merges distinct events although X-Webhook-Id and data.id repeat", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const events = [
      userCreated("evt_1"),
      { ...userCreated("evt_2"), type: "user.updated" },
      {
        id: "evt_3",
        type: "project.created",
        created_at: "2023-12-01T15:31:00Z",
        data: { id: "prj_1", name: "P" },
      },
      {
        id: "evt_4",
        type: "team.member.added",
        created_at: "2023-12-01T15:32:00Z",
        data: { team_id: "t", user_id: "usr_789" },
      },
    ];
    for (const payload of events) {
      const res = await receiver.handle(
        request(await signed(provider(), payload, { headers: headers(payload.type) })),
      );
      expect(json(res.body)).toEqual({ received: true });
    }
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual([
      "generic:evt_1",
      "generic:evt_2",
      "generic:evt_3",
      "generic:evt_4",
    ]);
  });

  it("treats a redelivery of the same evt_ id as a duplicate", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const wire = await signed(provider(), userCreated("evt_same"), { headers: headers("user.created") });
    await receiver.handle(request(wire));
    const again = await receiver.handle(request(wire));
    expect(json(again.body)).toMatchObject({ duplicate: true });
    expect(seen).toHaveBeenCalledTimes(1);
  });

  it("verifies the raw bytes: the seed's JSON.stringify(req.body) signature of a pretty body is refused", async () => {
    const pretty = JSON.stringify(userCreated("evt_pretty"), null, 2);
    const reserialised = JSON.stringify(JSON.parse(pretty));
    const wrong = createHmac("sha256", SECRET).update(reserialised).digest("hex");
    const right = createHmac("sha256", SECRET).update(pretty).digest("hex");
    const send = (sig: string) =>
      createReceiver({ provider: provider() }).handle(
        request({ headers: { "x-webhook-signature": `sha256=${sig}` }, body: utf8Bytes(pretty) }),
      );
    expect((await send(wrong)).status).toBe(401);
    expect((await send(right)).status).toBe(200);
  });

  it("refuses an envelope without its evt_ id", async () => {
    const { id: _, ...noId } = userCreated();
    const res = await createReceiver({ provider: provider() }).handle(
      request(await signed(provider(), noId)),
    );
    expect(res.status).toBe(400);
    expect(res.body).toContain('"id"');
  });

  it("never takes the type from X-Webhook-Event alone: a body without type is refused, whatever the header says", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    for (const type of ["user.deleted", "anything.else"]) {
      const wire = await signed(
        provider(),
        { id: "evt_x", created_at: "2023-12-01T15:30:00Z", data: {} },
        {
          headers: headers(type),
        },
      );
      const res = await receiver.handle(request(wire));
      expect(res.status).toBe(400);
      expect(json(res.body).message).toMatch(/X-Webhook-Event header is not signed/);
    }
    expect(seen).not.toHaveBeenCalled();
  });
});
