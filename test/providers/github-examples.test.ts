import { randomUUID } from "node:crypto";
import http from "node:http";
import { createRequire } from "node:module";
import { createReceiver, MemoryQueue, providers, sign, type WebhookEvent } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { send } from "../support/http.js";
import { SECRET } from "./support.js";

/** GitHub's community example payloads (octokit/webhooks), one list per event name. */
interface ExampleSet {
  name: string;
  examples: Record<string, unknown>[];
}
const examples = createRequire(import.meta.url)(
  "@octokit/webhooks-examples/api.github.com/index.json",
) as ExampleSet[];

/** Every example as GitHub would send it: its X-GitHub-Event, the exact bytes, a fresh delivery GUID each. */
const deliveries = examples.flatMap(({ name, examples: list }) =>
  list.map((payload) => ({ event: name, body: JSON.stringify(payload), guid: randomUUID() })),
);

const serve = listenPerTest();

describe("providers.github against @octokit/webhooks-examples: every example, under its own delivery id, runs", () => {
  it("the data set holds what this test is about: hundreds of examples, some byte-identical pairs", () => {
    expect(deliveries.length).toBeGreaterThan(300);
    const bodies = new Set(deliveries.map((d) => d.body));
    // org_block, membership, organization, github_app_authorization, sponsorship: no id, no time in them.
    expect(deliveries.length - bodies.size).toBeGreaterThanOrEqual(5);
  });

  it("over HTTP, inline: each gets 2xx and runs its handler once, byte-identical pairs included", async () => {
    const provider = providers.github({ secret: SECRET });
    const receiver = createReceiver({ provider, logger: false });
    const ran: string[] = [];
    receiver.on("*", (event) => {
      ran.push(event.headers["x-github-delivery"] as string);
    });
    const url = await serve(
      http.createServer(createNodeHandler(receiver, { path: "/webhooks/github" })),
      "/webhooks/github",
    );
    const refused: string[] = [];
    for (const { event, body, guid } of deliveries) {
      const signed = await sign(provider, body);
      const res = await send(url, {
        headers: {
          "content-type": "application/json",
          "x-github-event": event,
          "x-github-delivery": guid,
          "x-github-hook-id": "1",
          ...signed.headers,
        },
        body: signed.body,
      });
      if (res.status !== 200 || res.json.duplicate)
        refused.push(`${event} ${guid}: ${res.status} ${res.text}`);
    }
    expect(refused).toEqual([]);
    expect(ran).toEqual(deliveries.map((d) => d.guid));
    // GitHub's "Redeliver" (same GUID, same bytes) is still a duplicate.
    const first = deliveries[0]!;
    const again = await sign(provider, first.body);
    const res = await send(url, {
      headers: { "x-github-event": first.event, "x-github-delivery": first.guid, ...again.headers },
      body: again.body,
    });
    expect(res.json).toEqual({ received: true, duplicate: true });
  });

  it("with a queue: each byte-identical pair is two jobs, and the worker runs both", async () => {
    const provider = providers.github({ secret: SECRET });
    const receiver = createReceiver({ provider, queue: new MemoryQueue(), logger: false });
    const ran: WebhookEvent[] = [];
    receiver.on("*", (event) => {
      ran.push(event);
    });
    const seen = new Map<string, number>();
    const pairs = deliveries.filter((d) => {
      seen.set(d.body, (seen.get(d.body) ?? 0) + 1);
      return deliveries.filter((o) => o.body === d.body).length > 1;
    });
    expect(pairs.length).toBeGreaterThanOrEqual(10);
    for (const { event, body, guid } of pairs) {
      const signed = await sign(provider, body);
      const res = await receiver.handle({
        method: "POST",
        headers: { "x-github-event": event, "x-github-delivery": guid, ...signed.headers },
        rawBody: signed.body,
      });
      expect(res.status, `${event} ${guid}`).toBe(202);
    }
    const worker = receiver.work();
    try {
      for (let i = 0; i < 1000 && ran.length < pairs.length; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await worker.close();
    }
    expect(ran.map((e) => e.id).sort()).toEqual(pairs.map((d) => `github:${d.guid}`).sort());
  });
});
