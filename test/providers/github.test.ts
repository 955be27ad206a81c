import { createHmac } from "node:crypto";
import http from "node:http";
import { createReceiver, providers, type ReceiverCore, utf8Bytes } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { json, recordAll, request, SECRET, signed } from "./support.js";

const serve = listenPerTest();
const listen = (receiver: ReceiverCore) =>
  serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks/github" })), "/webhooks/github");

const events = { "issues.opened": z.looseObject({ issue: z.looseObject({ number: z.number() }) }) };
const provider = (routing?: "event" | "event.action") =>
  providers.github({ secret: SECRET, events, ...(routing ? { routing } : {}) });
const gh = (event: string, delivery: string) => ({
  "x-github-event": event,
  "x-github-delivery": delivery,
  "x-github-hook-id": "123",
  "user-agent": "GitHub-Hookshot/abc1234",
});
const opened = { action: "opened", issue: { number: 7 }, repository: { full_name: "o/r" } };

describe("providers.github", () => {
  it("routes event.action, events without an action by their name, and ping", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    let number: number | undefined;
    receiver.on("issues.opened", (event) => {
      number = event.payload.issue.number;
    });
    await receiver.handle(request(await signed(provider(), opened, { headers: gh("issues", "d-1") })));
    await receiver.handle(
      request(await signed(provider(), { ref: "refs/heads/main" }, { headers: gh("push", "d-2") })),
    );
    await receiver.handle(
      request(
        await signed(provider(), { zen: "Keep it simple.", hook_id: 1 }, { headers: gh("ping", "d-3") }),
      ),
    );
    expect(number).toBe(7);
    expect(seen.mock.calls.map(([e]) => e.type)).toEqual(["issues.opened", "push", "ping"]);
  });

  it("routes on X-GitHub-Event alone with routing: 'event'", async () => {
    const receiver = createReceiver({ provider: provider("event") });
    const seen = recordAll(receiver);
    await receiver.handle(request(await signed(provider("event"), opened, { headers: gh("issues", "d-1") })));
    expect(seen.mock.calls[0]?.[0].type).toBe("issues");
  });

  it("keys on X-GitHub-Delivery by default: a Redeliver is a duplicate, byte-identical bodies under two GUIDs both run", async () => {
    const receiver = createReceiver({ provider: provider() });
    const seen = recordAll(receiver);
    const url = await listen(receiver);
    const blocked = { action: "blocked", blocked_user: { login: "spammer" }, organization: { login: "o" } };
    const wire = await signed(provider(), blocked, { headers: gh("org_block", "guid-1") });
    const answers = [];
    for (const headers of [
      gh("org_block", "guid-1"), // the delivery
      gh("org_block", "guid-1"), // GitHub's "Redeliver": same GUID, same bytes
      gh("org_block", "guid-2"), // block → unblock → block: the same bytes, a new delivery
    ]) {
      const res = await send(url, { headers: { ...wire.headers, ...headers }, body: wire.body });
      answers.push(res.json);
    }
    expect(answers).toEqual([{ received: true }, { received: true, duplicate: true }, { received: true }]);
    expect(seen.mock.calls.map(([e]) => e.id)).toEqual(["github:guid-1", "github:guid-2"]);
  });

  it("replayProtection: true keys on the body's SHA-256: a replay under a fresh GUID or event name runs nothing (nor a genuine repeat)", async () => {
    const guarded = providers.github({ secret: SECRET, events, replayProtection: true });
    const receiver = createReceiver({ provider: guarded });
    const seen = recordAll(receiver);
    const url = await listen(receiver);
    const wire = await signed(guarded, opened, { headers: gh("issues", "guid-1") });
    const answers = [];
    for (const headers of [
      gh("issues", "guid-1"), // the delivery
      gh("issues", "guid-1"), // GitHub's "Redeliver"
      gh("issues", "guid-attacker"), // a replay under a fresh, unsigned id
      gh("pull_request", "guid-attacker-2"), // … and under another unsigned event name
    ]) {
      const res = await send(url, { headers: { ...wire.headers, ...headers }, body: wire.body });
      answers.push(res.json);
    }
    expect(answers).toEqual([
      { received: true },
      { received: true, duplicate: true },
      { received: true, duplicate: true },
      { received: true, duplicate: true },
    ]);
    expect(seen).toHaveBeenCalledTimes(1);
    expect(seen.mock.calls[0]?.[0].id).toMatch(/^github:sha256:[0-9a-f]{64}$/);
    // Two different bodies are two deliveries.
    const other = await signed(
      guarded,
      { ...opened, issue: { number: 8 } },
      { headers: gh("issues", "guid-3") },
    );
    expect(json((await receiver.handle(request(other))).body)).toEqual({ received: true });
  });

  it("requires the sha256= prefix GitHub always sends", async () => {
    const body = JSON.stringify(opened);
    const hex = createHmac("sha256", SECRET).update(body).digest("hex");
    const send = (value: string) =>
      createReceiver({ provider: provider() }).handle(
        request({ headers: { ...gh("issues", "d"), "x-hub-signature-256": value }, body: utf8Bytes(body) }),
      );
    expect((await send(`sha256=${hex}`)).status).toBe(200);
    expect((await send(hex)).status).toBe(401);
  });
});
