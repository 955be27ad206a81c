import { BullMQQueue, jobIdFromKey } from "@webhook-kit/bullmq";
import {
  createReceiver,
  MemoryQueue,
  type Provider,
  providers,
  type QueuedDelivery,
  type WebhookEvent,
} from "@webhook-kit/core";
import { platforms, signDelivery, type TestPlatform } from "@webhook-kit/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueQueueName } from "../support/bullmq.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";
import { SECRET } from "./support.js";

/** Marks every credential's value, so one search of the stored job finds any of them. */
const MARK = "DO-NOT-STORE";

/**
 * Credentials proxies, gateways and clients add — the ones a deny-list missed in Redis job data, and the ones
 * a narrowed filter (exact names only) would miss. None may reach a job, on any preset.
 */
const CREDENTIAL_HEADERS = [
  "authorization",
  "proxy-authorization",
  "cookie",
  "authentication",
  "cf-access-jwt-assertion",
  "cf-access-client-secret",
  "x-amzn-oidc-data",
  "x-amzn-oidc-accesstoken",
  "x-goog-iap-jwt-assertion",
  "x-ms-client-principal",
  "x-ms-token-aad-access-token",
  "x-forwarded-authorization",
  "x-forwarded-client-cert",
  "x-auth",
  "x-api-key",
  "apikey",
  "x-auth-token",
  "x-access-token",
  "x-client-secret",
  "x-csrf-token",
  "x-amz-security-token",
  "x-vercel-protection-bypass",
  "x-session-id",
  "x-hub-signature", // GitHub's legacy SHA-1 signature: a signature, not read by the preset
  // An attack pass found these accepted by name:
  "x-api_key",
  "x-access-key",
  "x-private-key",
  "dpop",
  "x-pass",
];
const credentials = Object.fromEntries(CREDENTIAL_HEADERS.map((name) => [name, `${MARK}-${name}`]));

const entries: TestPlatform[] = Object.values(platforms);

/** A MemoryQueue that keeps a copy of every job written to it, as a store would hold it. */
class RecordingQueue extends MemoryQueue {
  readonly jobs: QueuedDelivery[] = [];
  override enqueue(job: QueuedDelivery) {
    this.jobs.push(structuredClone(job));
    return super.enqueue(job);
  }
}

/** One signed delivery of `platform`'s first fixture, as its sender puts it on the wire, plus credentials. */
async function wire(platform: TestPlatform, provider: Provider, extra: Record<string, string> = {}) {
  const [event, payload] = Object.entries(platform.fixtures)[0]!;
  const signed = await signDelivery(provider, payload as Record<string, unknown>, {
    event,
    headers: { ...credentials, "x-tenant": "acme", ...extra },
  });
  return signed;
}

/** The signature's own values on the wire: whatever header they travel in (or the shipping body), never stored. */
function signatureValues(
  provider: Provider,
  signed: { headers: Record<string, string>; text: string },
): string[] {
  // A scheme may list its timestamp header with its signature (Discord's X-Signature-Timestamp): those digits
  // are no signature, and would match any stored number that starts with them (receivedAt in ms).
  const inHeaders = (provider.signature.headers ?? [])
    .flatMap((name) => signed.headers[name] ?? [])
    .filter((value) => !/^\d+$/.test(value));
  const inBody =
    provider.name === "shipping" ? [(JSON.parse(signed.text) as { signature: string }).signature] : [];
  return [...inHeaders, ...inBody];
}

describe("what a queued job holds: the headers the provider reads, content-type, what you ask for — never a credential or a signature", () => {
  it.each(entries)("$name: every credential and the signature stay out of the job", async (platform) => {
    const provider = platform.create(SECRET);
    const queue = new RecordingQueue();
    const receiver = createReceiver({ provider, queue, logger: false });
    const signed = await wire(platform, provider);
    const res = await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
    expect(res.status, res.body).toBe(202);
    const [job] = queue.jobs;
    const stored = JSON.stringify(job);
    expect(stored).not.toContain(MARK);
    const signatures = signatureValues(provider, signed);
    expect(signatures.length).toBeGreaterThan(0);
    for (const value of signatures) expect(stored).not.toContain(value);
    const allowed = ["content-type", ...(provider.deliveryHeaders ?? [])];
    expect(Object.keys(job!.headers).filter((name) => !allowed.includes(name))).toEqual([]);
    // What the provider declares and the sender sent is kept: handlers in workers still read it.
    for (const name of provider.deliveryHeaders ?? [])
      if (signed.headers[name] !== undefined) expect(job!.headers[name]).toBe(signed.headers[name]);
    expect(job!.headers["content-type"]).toBe(signed.headers["content-type"]);
  });

  it("shipping (signature inside the body): the job keeps the body with that value emptied; the worker still runs it", async () => {
    const provider = providers.shipping({ secret: SECRET });
    const queue = new RecordingQueue();
    const receiver = createReceiver({ provider, queue, logger: false });
    const seen: WebhookEvent[] = [];
    receiver.on("*", (event) => {
      seen.push(event);
    });
    const signed = await wire(platforms.shipping as TestPlatform, provider);
    expect(
      (await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body })).status,
    ).toBe(202);
    const sent = JSON.parse(signed.text) as Record<string, unknown>;
    expect(JSON.parse(queue.jobs[0]!.body)).toEqual({ ...sent, signature: "" });
    // Byte for byte apart from the value: the rest of the body is what the sender signed.
    expect(queue.jobs[0]!.body).toBe(signed.text.replace(sent.signature as string, ""));
    const worker = receiver.work();
    try {
      for (let i = 0; i < 500 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await worker.close();
    }
    expect(seen[0]?.payload).toMatchObject({ ...sent, signature: "" });
    expect(await queue.listDeadLetters()).toEqual([]);
  });

  it("declares, per preset, the headers its sender documents beside the signature", () => {
    const declared = Object.fromEntries(
      entries.map((p) => [p.name, [...(p.create(SECRET).deliveryHeaders ?? [])].sort()]),
    );
    expect(declared).toEqual({
      eulabel: [],
      "eulabel-inbound": ["x-webhook-event"],
      eudr: ["x-webhook-event", "x-webhook-id", "x-webhook-timestamp"],
      generic: ["x-webhook-event", "x-webhook-id"],
      shipping: [],
      "standard-webhooks": ["svix-id", "svix-timestamp", "webhook-id", "webhook-timestamp"],
      svix: ["svix-id", "svix-timestamp", "webhook-id", "webhook-timestamp"],
      github: [
        "x-github-delivery",
        "x-github-event",
        "x-github-hook-id",
        "x-github-hook-installation-target-id",
        "x-github-hook-installation-target-type",
      ],
      stripe: [],
      slack: ["x-slack-request-timestamp", "x-slack-retry-num", "x-slack-retry-reason"],
      discord: [],
      zoom: ["x-zm-request-timestamp"],
    });
  });

  it("queuedHeaders adds your own (names in any case); a worker's handler sees them, and no credential", async () => {
    const provider = providers.github({ secret: SECRET });
    const queue = new RecordingQueue();
    const receiver = createReceiver({ provider, queue, logger: false, queuedHeaders: ["X-Tenant"] });
    const seen: WebhookEvent[] = [];
    receiver.on("*", (event) => {
      seen.push(event);
    });
    const signed = await wire(platforms.github as TestPlatform, provider);
    expect(
      (await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body })).status,
    ).toBe(202);
    const worker = receiver.work();
    try {
      for (let i = 0; i < 500 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    } finally {
      await worker.close();
    }
    expect(seen[0]?.headers).toEqual({
      "content-type": "application/json",
      "x-github-delivery": signed.headers["x-github-delivery"],
      "x-github-event": signed.headers["x-github-event"],
      "x-github-hook-id": signed.headers["x-github-hook-id"],
      "x-tenant": "acme",
    });
  });

  it.each([
    ["x-hub-signature-256", "github"],
    ["X-Hub-Signature-256", "github"],
    ["stripe-signature", "stripe"],
    ["webhook-signature", "standard-webhooks"],
    ["svix-signature", "standard-webhooks"],
    ["x-eulabel-signature", "eulabel"],
    ["x-webhook-signature", "eudr"],
  ])("refuses queuedHeaders: [%j] on %s: never a signature, even when asked", (header, name) => {
    const platform = entries.find((p) => p.name === name)!;
    const make = () =>
      createReceiver({
        provider: platform.create(SECRET),
        queue: new MemoryQueue(),
        queuedHeaders: [header],
      });
    expect(make).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(make).toThrow(header.toLowerCase());
  });

  it.each(CREDENTIAL_HEADERS)("refuses queuedHeaders: [%j]: a credential is never stored", (header) => {
    const make = () =>
      createReceiver({
        provider: providers.generic({ secret: SECRET }),
        queue: new MemoryQueue(),
        queuedHeaders: [header],
      });
    expect(make).toThrow(expect.objectContaining({ code: "invalid_config" }));
    expect(make).toThrow(header);
  });

  it("keeps innocent names that merely resemble a credential word (x-passport-id, x-keyboard-layout, x-tenant)", () => {
    const receiver = () =>
      createReceiver({
        provider: providers.generic({ secret: SECRET }),
        queue: new MemoryQueue(),
        queuedHeaders: ["x-passport-id", "x-keyboard-layout", "x-tenant", "x-signal-source"],
      });
    expect(receiver).not.toThrow();
  });

  it("refuses queuedHeaders without a queue, and names that are not header names", () => {
    const generic = providers.generic({ secret: SECRET });
    expect(() => createReceiver({ provider: generic, queuedHeaders: ["x-tenant"] })).toThrow(
      /applies with a queue only/,
    );
    for (const bad of ["", "x tenant", 7] as unknown as string[])
      expect(() =>
        createReceiver({ provider: generic, queue: new MemoryQueue(), queuedHeaders: [bad] }),
      ).toThrow(expect.objectContaining({ code: "invalid_config" }));
  });
});

describe("what a BullMQ job holds in Redis (the raw job hash)", () => {
  let redis: SharedRedis;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis?.release();
  });

  it("no credential and no signature, in the job's data or anywhere in its hash", async () => {
    const name = uniqueQueueName("headers");
    const queue = new BullMQQueue({ connection: redis.url, name, onError: () => {} });
    const client = new Redis(redis.url);
    try {
      const provider = providers.github({ secret: SECRET });
      const receiver = createReceiver({ provider, queue, logger: false, queuedHeaders: ["x-tenant"] });
      const signed = await wire(platforms.github as TestPlatform, provider);
      const res = await receiver.handle({ method: "POST", headers: signed.headers, rawBody: signed.body });
      expect(res.status, res.body).toBe(202);
      const key = `github:${signed.headers["x-github-delivery"]}`;
      const hash = await client.hgetall(`bull:${name}:${jobIdFromKey(key)}`);
      expect(hash.data).toBeDefined();
      const raw = JSON.stringify(hash);
      expect(raw).toContain(signed.headers["x-github-delivery"]);
      expect(raw).toContain("acme");
      expect(raw).not.toContain(MARK);
      expect(raw).not.toContain(signed.headers["x-hub-signature-256"]);
      expect(raw).not.toContain(signed.headers["x-hub-signature"]);
    } finally {
      client.disconnect();
      await queue.close();
      const cleanup = new Redis(redis.url);
      const keys = await cleanup.keys(`bull:${name}:*`);
      if (keys.length > 0) await cleanup.del(...keys);
      cleanup.disconnect();
    }
  });
});
