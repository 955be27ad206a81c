import http from "node:http";
import {
  createReceiver,
  type DeliveryHead,
  type DeliveryQueue,
  defineProvider,
  type Logger,
  MemoryQueue,
  providers,
  type SecretHead,
  type SecretInput,
  sign,
  verifyDelivery,
} from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { describe, expect, it } from "vitest";
import { listenPerTest } from "../conformance/servers/listen.js";
import { redisHarness } from "../support/bullmq.js";
import { passportEvent } from "../support/deliveries.js";
import { send } from "../support/http.js";

// Secrets per endpoint (issue #22, item 1): one receiver, a secret per tenant looked up from a vault,
// real HTTP on 127.0.0.1 with the tenant in the route (`/webhooks/:tenant`).

const serve = listenPerTest();
const SECRETS = { acme: "whsec_acme_secret_never_logged", globex: "whsec_globex_secret_never_logged" };

/** A vault: tenant → secret(s), counting every lookup. */
function vault(initial: Record<string, SecretInput> = SECRETS) {
  const entries = new Map<string, SecretInput>(Object.entries(initial));
  const calls: string[] = [];
  return {
    entries,
    calls,
    async secretFor(tenant: string): Promise<SecretInput | undefined> {
      calls.push(tenant);
      await new Promise((resolve) => setImmediate(resolve));
      return entries.get(tenant);
    },
  };
}

/** Every line logged, to check what is said and that no secret is in it. */
function recordingLogger() {
  const lines: { level: string; obj: object; msg: string | undefined }[] = [];
  const at =
    (level: string) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  const logger: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return {
    logger,
    lines,
    text: () => JSON.stringify(lines, (_k, v) => (v instanceof Error ? v.message : v)),
  };
}

/**
 * globex signs with its own secret and names itself in x-webhook-id, on acme's route (`params.tenant`):
 * the receiver's answer, and the tenants its handlers saw (none, when the forgery is refused).
 */
async function forgedAsAcme(
  secret: (head: SecretHead) => string | undefined,
  tenant: (head: DeliveryHead) => string | undefined,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; seen: (string | undefined)[] }> {
  const receiver = createReceiver({ provider: providers.eulabel({ secret }), tenant, logger: false });
  const seen: (string | undefined)[] = [];
  receiver.on("*", (event) => {
    seen.push(event.tenant);
  });
  const forged = await signedFor(SECRETS.globex);
  const answer = await receiver.handle({
    method: "POST",
    headers: { ...forged.headers, "x-webhook-id": "globex", ...extraHeaders },
    rawBody: forged.body,
    params: { tenant: "acme" },
  });
  return { status: answer.status, seen };
}

async function signedFor(secret: string, payload: unknown = passportEvent()) {
  const signed = await sign(providers.eulabel({ secret }), JSON.stringify(payload));
  return { body: signed.body, headers: { "content-type": "application/json", ...signed.headers } };
}

async function start(
  options: {
    store?: Record<string, SecretInput>;
    storeTimeoutMs?: number;
    lookup?: (tenant: string) => unknown;
    queue?: DeliveryQueue;
  } = {},
) {
  const secrets = vault(options.store);
  const log = recordingLogger();
  const lookup = options.lookup ?? ((tenant: string) => secrets.secretFor(tenant));
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: ({ tenant }) => lookup(tenant) as Promise<SecretInput> }),
    tenant: ({ params }) => params?.tenant,
    logger: log.logger,
    ...(options.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: options.storeTimeoutMs }),
    ...(options.queue === undefined ? {} : { queue: options.queue }),
  });
  const seen: { tenant: string | undefined; id: string }[] = [];
  receiver.on("*", (event) => {
    seen.push({ tenant: event.tenant, id: event.id });
  });
  const base = await serve(http.createServer(createNodeHandler(receiver, { path: "/webhooks/:tenant" })), "");
  const post = async (tenant: string, secret: string, payload: unknown = passportEvent()) => {
    const delivery = await signedFor(secret, payload);
    return send(`${base}/webhooks/${tenant}`, delivery);
  };
  return { receiver, secrets, log, seen, post, base };
}

describe("secrets per endpoint", () => {
  it("verifies each endpoint's deliveries with its own secret and refuses each with the other's", async () => {
    const { post, seen, log } = await start();
    expect((await post("acme", SECRETS.acme)).status).toBe(200);
    expect((await post("globex", SECRETS.globex)).status).toBe(200);
    const crossed = [await post("acme", SECRETS.globex), await post("globex", SECRETS.acme)];
    for (const refused of crossed)
      expect([refused.status, refused.json.error]).toEqual([401, "invalid_signature"]);
    expect(seen.map((e) => e.tenant)).toEqual(["acme", "globex"]);
    const rejected = log.lines.filter((l) => l.msg === "signature rejected").map((l) => l.obj);
    expect(rejected).toEqual([
      expect.objectContaining({ tenant: "acme" }),
      expect.objectContaining({ tenant: "globex" }),
    ]);
    expect(log.text()).not.toContain(SECRETS.acme);
    expect(log.text()).not.toContain(SECRETS.globex);
  });

  it("answers an unknown endpoint exactly as a wrong secret, logs it at warn, and asks the vault once", async () => {
    const { post, secrets, log } = await start();
    const wrong = await post("acme", "whsec_not_acme");
    const unknown = await post("initech", SECRETS.acme);
    expect([unknown.status, unknown.text]).toEqual([wrong.status, wrong.text]);
    expect(unknown.json.error).toBe("invalid_signature");
    const again = await post("initech", SECRETS.acme);
    expect(again.text).toBe(wrong.text);
    // Kept as unknown for a while: a flood of one made-up tenant does not reach the vault each time.
    expect(secrets.calls.filter((t) => t === "initech")).toEqual(["initech"]);
    const warned = log.lines.filter((l) => l.level === "warn" && /unknown tenant/.test(l.msg ?? ""));
    expect(warned.map((l) => (l.obj as { tenant?: string }).tenant)).toEqual(["initech", "initech"]);
  });

  it("looks each tenant up once while its entry is warm, and concurrent first deliveries share one lookup", async () => {
    const { post, secrets, seen } = await start();
    const first = await Promise.all(Array.from({ length: 10 }, () => post("acme", SECRETS.acme)));
    expect(first.map((r) => r.status)).toEqual(Array(10).fill(200));
    for (let i = 0; i < 20; i++) expect((await post("acme", SECRETS.acme)).status).toBe(200);
    expect(secrets.calls).toEqual(["acme"]);
    expect(seen).toHaveLength(30);
  });

  it("handles the same delivery id for two tenants as two deliveries, and dedupes within each", async () => {
    const { post, seen } = await start();
    const payload = passportEvent();
    const answers = [
      await post("acme", SECRETS.acme, payload),
      await post("globex", SECRETS.globex, payload),
      await post("acme", SECRETS.acme, payload),
    ];
    expect(answers.map((r) => [r.status, r.json.duplicate ?? false])).toEqual([
      [200, false],
      [200, false],
      [200, true],
    ]);
    expect(seen.map((e) => e.tenant)).toEqual(["acme", "globex"]);
    const [acme, globex] = seen;
    expect(acme?.id).not.toBe(globex?.id);
    expect(acme?.id.startsWith("eulabel:acme:")).toBe(true);
  });

  it("keeps a tenant with ':' apart from another tenant's keys", async () => {
    const { post, seen } = await start({ store: { "a:b": SECRETS.acme, a: SECRETS.acme } });
    expect((await post(encodeURIComponent("a:b"), SECRETS.acme)).status).toBe(200);
    expect((await post("a", SECRETS.acme)).status).toBe(200);
    expect(seen.map((e) => e.tenant)).toEqual(["a:b", "a"]);
    expect(seen[0]?.id.startsWith("eulabel:a%3Ab:")).toBe(true);
  });

  it("answers 503 secret_lookup_failed with Retry-After when the lookup fails, and logs no secret", async () => {
    let failing = true;
    const { post, log, seen } = await start({
      lookup: async (tenant) => {
        if (failing) throw new Error("vault unreachable (ECONNREFUSED)");
        return SECRETS[tenant as keyof typeof SECRETS];
      },
    });
    const refused = await post("acme", SECRETS.acme);
    expect([refused.status, refused.json.error]).toEqual([503, "secret_lookup_failed"]);
    expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    expect(refused.text).not.toContain("ECONNREFUSED");
    const logged = log.lines.find((l) => l.level === "error");
    expect(logged?.msg).toMatch(/secret lookup failed/);
    expect(log.text()).toContain("ECONNREFUSED");
    expect(log.text()).not.toContain(SECRETS.acme);
    // A failure is not cached: the sender's retry goes through once the vault answers.
    failing = false;
    expect((await post("acme", SECRETS.acme)).status).toBe(200);
    expect(seen).toHaveLength(1);
  });

  it("answers 503 secret_lookup_failed when the lookup hangs, within storeTimeoutMs, and asks again next time", async () => {
    let hang = true;
    let calls = 0;
    const storeTimeoutMs = 300;
    const { post } = await start({
      storeTimeoutMs,
      lookup: (tenant) => {
        calls += 1;
        return hang ? new Promise(() => {}) : Promise.resolve(SECRETS[tenant as keyof typeof SECRETS]);
      },
    });
    const began = performance.now();
    const refused = await post("acme", SECRETS.acme);
    const waited = performance.now() - began;
    expect([refused.status, refused.json.error]).toEqual([503, "secret_lookup_failed"]);
    // Answered by the budget, not by the vault (which never answers): at least the budget, minus timer slack.
    expect(waited).toBeGreaterThanOrEqual(storeTimeoutMs - 50);
    hang = false;
    expect((await post("acme", SECRETS.acme)).status).toBe(200);
    expect(calls).toBe(2);
  });

  it("refuses a delivery whose route names no tenant as invalid_signature", async () => {
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: () => SECRETS.acme }),
      tenant: ({ headers }) => headers["x-tenant"],
      logger: false,
    });
    const delivery = await signedFor(SECRETS.acme);
    const base = await serve(http.createServer(createNodeHandler(receiver)), "/hook");
    const missing = await send(base, delivery);
    expect([missing.status, missing.json.error]).toEqual([401, "invalid_signature"]);
    const named = await send(base, { ...delivery, headers: { ...delivery.headers, "x-tenant": "acme" } });
    expect(named.status).toBe(200);
  });

  it("refuses at start a secret function without `tenant`, naming the fix", () => {
    expect(() => createReceiver({ provider: providers.eulabel({ secret: () => SECRETS.acme }) })).toThrow(
      /pass tenant, e\.g\. tenant: \(\{ params \}\) => params\?\.tenant/,
    );
  });

  it("rotates without a restart: continuous deliveries while the vault's secret changes lose nothing", async () => {
    const { post, secrets, receiver, seen } = await start({ store: { acme: "whsec_old_acme" } });
    let senderSecret = "whsec_old_acme";
    const answers: number[] = [];
    let sending = true;
    const sender = (async () => {
      while (sending) answers.push((await post("acme", senderSecret)).status);
    })();
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const settle = async (count: number) => {
      const until = answers.length + count;
      while (answers.length < until) await pause(5);
    };
    await settle(20);
    // The rotation as a vault does it: both secrets for a while, the sender moves, the old one goes.
    secrets.entries.set("acme", ["whsec_new_acme", "whsec_old_acme"]);
    receiver.secrets.forget("acme");
    await settle(10);
    senderSecret = "whsec_new_acme";
    await settle(20);
    secrets.entries.set("acme", "whsec_new_acme");
    receiver.secrets.forget("acme");
    await settle(20);
    sending = false;
    await sender;
    expect(answers.filter((status) => status !== 200)).toEqual([]);
    expect(seen).toHaveLength(answers.length);
    expect(new Set(seen.map((e) => e.id)).size).toBe(answers.length);
    // After the last forget the old secret is refused.
    expect((await post("acme", "whsec_old_acme")).status).toBe(401);
  });

  it("queues the tenant with the delivery, and a worker rebuilds event.tenant", async () => {
    const queue = new MemoryQueue();
    const { post, receiver, seen } = await start({ queue });
    const payload = passportEvent();
    expect((await post("acme", SECRETS.acme, payload)).status).toBe(202);
    expect((await post("globex", SECRETS.globex, payload)).status).toBe(202);
    const worker = receiver.work();
    try {
      while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await worker.close();
    }
    expect(seen.map((e) => e.tenant).sort()).toEqual(["acme", "globex"]);
  });

  it("names the tenant in a failed attempt's log line, the dead letter's report and its listing", async () => {
    const queue = new MemoryQueue();
    const log = recordingLogger();
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: ({ tenant }) => SECRETS[tenant as keyof typeof SECRETS] }),
      tenant: ({ headers }) => headers["x-tenant"],
      queue,
      logger: log.logger,
    });
    receiver.on("*", () => {
      throw new Error("handler down");
    });
    const delivery = await signedFor(SECRETS.acme);
    const accepted = await receiver.handle({
      method: "POST",
      headers: { ...delivery.headers, "x-tenant": "acme" },
      rawBody: delivery.body,
    });
    expect(accepted.status).toBe(202);
    const worker = receiver.work({ attempts: 2, backoff: { delayMs: 1 } });
    try {
      while ((await queue.listDeadLetters()).length === 0)
        await new Promise((resolve) => setTimeout(resolve, 10));
    } finally {
      await worker.close();
    }
    const [letter] = await queue.listDeadLetters();
    expect(letter?.tenant).toBe("acme");
    const failedAttempt = log.lines.find(
      (l) => l.level === "warn" && /attempt 1 of 2 failed/.test(l.msg ?? ""),
    );
    expect(failedAttempt?.obj).toMatchObject({ tenant: "acme" });
    expect(
      log.lines.some((l) => l.level === "error" && (l.obj as { tenant?: string }).tenant === "acme"),
    ).toBe(true);
  });
});

describe("secrets per endpoint with BullMQ (real Redis)", () => {
  it("stores the tenant in the job, and a worker in another receiver rebuilds event.tenant", async () => {
    const harness = redisHarness("redis://127.0.0.1:6379");
    try {
      const { post } = await start({ queue: harness.queue });
      const payload = passportEvent();
      expect((await post("acme", SECRETS.acme, payload)).status).toBe(202);
      expect((await post("globex", SECRETS.globex, payload)).status).toBe(202);
      // The worker is another receiver on the same queue (another process's worth): only the job tells it.
      const worker = await start({ queue: harness.peer });
      const running = worker.receiver.work();
      try {
        while (worker.seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 20));
      } finally {
        await running.close();
      }
      expect(worker.seen.map((e) => e.tenant).sort()).toEqual(["acme", "globex"]);
      const stored = (await harness.peek(worker.seen[0]!.id)) as { delivery: { tenant?: string } };
      expect(stored.delivery.tenant).toBe(worker.seen[0]!.tenant);
    } finally {
      await harness.close();
    }
  });
});

describe("verifyDelivery with a secret per endpoint", () => {
  it("looks the tenant's secret up and scopes the event's id", async () => {
    const provider = providers.eulabel({
      secret: ({ tenant }) => SECRETS[tenant as keyof typeof SECRETS],
    });
    const { body, headers } = await signedFor(SECRETS.globex);
    const event = await verifyDelivery(provider, body, headers, { tenant: "globex" });
    expect(event.tenant).toBe("globex");
    expect(event.id.startsWith("eulabel:globex:")).toBe(true);
    await expect(verifyDelivery(provider, body, headers, { tenant: "acme" })).rejects.toMatchObject({
      code: "invalid_signature",
    });
    await expect(verifyDelivery(provider, body, headers)).rejects.toMatchObject({ code: "invalid_config" });
  });
});

describe("the endpoint step's edges", () => {
  it("uses a sync lookup without a promise, and answers 503 when `tenant` itself throws", async () => {
    let calls = 0;
    const receiver = createReceiver({
      provider: providers.eulabel({
        secret: ({ tenant }) => {
          calls += 1;
          return SECRETS[tenant as keyof typeof SECRETS];
        },
      }),
      tenant: ({ headers }) => {
        if (headers["x-tenant"] === "boom") throw new Error("tenant parser bug");
        return headers["x-tenant"];
      },
      logger: false,
    });
    const seen: (string | undefined)[] = [];
    receiver.on("*", (event) => {
      seen.push(event.tenant);
    });
    const delivery = await signedFor(SECRETS.acme);
    const handle = (tenant: string) =>
      receiver.handle({
        method: "POST",
        headers: { ...delivery.headers, "x-tenant": tenant },
        rawBody: delivery.body,
      });
    expect((await handle("acme")).status).toBe(200);
    expect((await handle("acme")).status).toBe(200); // from the cache: no second lookup
    const failed = await handle("boom");
    expect([failed.status, JSON.parse(failed.body).error]).toEqual([503, "secret_lookup_failed"]);
    expect(calls).toBe(1);
    expect(seen).toEqual(["acme"]);
  });

  it("refuses a vault's malformed secret with 503, not with a crash or a 401", async () => {
    const receiver = createReceiver({
      provider: providers.standardWebhooks({ secret: () => "whsec_%%%not-base64%%%" }),
      tenant: () => "acme",
      logger: false,
    });
    const answer = await receiver.handle({
      method: "POST",
      headers: { "content-type": "application/json" },
      rawBody: new TextEncoder().encode("{}"),
    });
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([503, "secret_lookup_failed"]);
  });

  it("refuses a delivery naming no endpoint even with a custom scheme that ignores looked-up keys", async () => {
    const acceptsAll = defineProvider({
      name: "lenient",
      signature: {
        name: "accepts-all",
        verify: () => ({ ok: true }),
        sign: async ({ body }) => ({ headers: {}, body }),
      },
      events: {},
      eventType: () => "ping",
      idempotencyKey: ({ headers }) => headers["x-id"],
    });
    const receiver = createReceiver({
      provider: acceptsAll,
      tenant: ({ headers }) => headers["x-tenant"],
      logger: false,
    });
    const post = (headers: Record<string, string>) =>
      receiver.handle({
        method: "POST",
        headers: { "x-id": "1", ...headers },
        rawBody: new TextEncoder().encode("{}"),
      });
    const nameless = await post({});
    expect([nameless.status, JSON.parse(nameless.body).error]).toEqual([401, "invalid_signature"]);
    expect((await post({ "x-tenant": "acme" })).status).toBe(200);
  });

  it("checks the cache options at start", () => {
    const provider = providers.eulabel({ secret: () => SECRETS.acme });
    expect(() => createReceiver({ provider, tenant: () => "a", secretCache: { max: 0 } })).toThrow(
      /secretCache\.max must be a positive integer/,
    );
    expect(() => createReceiver({ provider, tenant: "acme" as never })).toThrow(/tenant must be a function/);
  });
});

describe("the secret cache never serves a secret looked up from other inputs (attack pass)", () => {
  it("refuses a secret chosen by a header the tenant does not read: no forgery, no poisoning", async () => {
    const log = recordingLogger();
    const receiver = createReceiver({
      // Misconfigured: the secret follows a header, the tenant the route.
      provider: providers.eulabel({
        secret: ({ headers }) => SECRETS[headers["x-endpoint"] as keyof typeof SECRETS],
      }),
      tenant: ({ params }) => params?.tenant,
      logger: log.logger,
    });
    const seen: (string | undefined)[] = [];
    receiver.on("*", (event) => {
      seen.push(event.tenant);
    });
    const base = await serve(
      http.createServer(createNodeHandler(receiver, { path: "/webhooks/:tenant" })),
      "",
    );
    // globex's owner names acme in the URL, his own endpoint in the header, and signs with his secret.
    const forged = await signedFor(SECRETS.globex);
    const answer = await send(`${base}/webhooks/acme`, {
      body: forged.body,
      headers: { ...forged.headers, "x-endpoint": "globex" },
    });
    expect([answer.status, answer.json.error]).toEqual([503, "secret_lookup_failed"]);
    expect(seen).toEqual([]);
    expect(log.text()).toContain("headers.x-endpoint");
    expect(log.text()).not.toContain(SECRETS.globex);
  });

  it("with the secret chosen by the tenant, the forgery is a 401 and the victim's deliveries still verify", async () => {
    const { post, base, seen } = await start();
    const forged = await signedFor(SECRETS.globex);
    const answer = await send(`${base}/webhooks/acme`, {
      body: forged.body,
      headers: { ...forged.headers, "x-webhook-id": "globex" },
    });
    expect(answer.status).toBe(401);
    expect((await post("acme", SECRETS.acme)).status).toBe(200);
    expect(seen.map((e) => e.tenant)).toEqual(["acme"]);
  });

  it("keys a cached secret by the header values the secret function read, not only by tenant", async () => {
    const calls: string[] = [];
    const vaultByRawId: Record<string, string> = { acme: SECRETS.acme };
    const receiver = createReceiver({
      provider: providers.eulabel({
        secret: ({ headers }) => {
          calls.push(headers["x-id"] ?? "");
          return vaultByRawId[headers["x-id"] ?? ""];
        },
      }),
      // Two spellings name one tenant, but the vault knows only one of them.
      tenant: ({ headers }) => headers["x-id"]?.toLowerCase(),
      logger: false,
    });
    const delivery = await signedFor(SECRETS.acme);
    const handle = (id: string) =>
      receiver.handle({
        method: "POST",
        headers: { ...delivery.headers, "x-id": id },
        rawBody: delivery.body,
      });
    expect((await handle("ACME")).status).toBe(401); // looked up as "ACME": unknown
    expect((await handle("acme")).status).toBe(200); // not served the "ACME" answer
    expect((await handle("acme")).status).toBe(200); // from the cache now
    expect(calls).toEqual(["ACME", "acme"]);
  });

  it("keeps unknown endpoints in their own LRU: made-up ids never evict a known tenant", async () => {
    const secrets = vault();
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: ({ tenant }) => secrets.secretFor(tenant) }),
      tenant: ({ headers }) => headers["x-tenant"],
      secretCache: { max: 4 },
      logger: false,
    });
    const delivery = await signedFor(SECRETS.acme);
    const handle = (tenant: string) =>
      receiver.handle({
        method: "POST",
        headers: { ...delivery.headers, "x-tenant": tenant },
        rawBody: delivery.body,
      });
    expect((await handle("acme")).status).toBe(200);
    for (let i = 0; i < 20; i++) expect((await handle(`made-up-${i}`)).status).toBe(401);
    expect((await handle("acme")).status).toBe(200);
    expect(secrets.calls.filter((t) => t === "acme")).toEqual(["acme"]);
  });

  it("treats a lookup answering null (redis.get of a missing key) as an unknown endpoint, cached", async () => {
    let calls = 0;
    const receiver = createReceiver({
      provider: providers.eulabel({
        secret: async () => {
          calls += 1;
          return null;
        },
      }),
      tenant: () => "ghost",
      logger: false,
    });
    const delivery = await signedFor(SECRETS.acme);
    for (let i = 0; i < 3; i++) {
      const answer = await receiver.handle({
        method: "POST",
        headers: delivery.headers,
        rawBody: delivery.body,
      });
      expect([answer.status, JSON.parse(answer.body).error]).toEqual([401, "invalid_signature"]);
    }
    expect(calls).toBe(1);
  });

  it("answers 503 with a clear log line when `tenant` returns a Promise", async () => {
    const log = recordingLogger();
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: () => SECRETS.acme }),
      tenant: (async () => "acme") as never,
      logger: log.logger,
    });
    const delivery = await signedFor(SECRETS.acme);
    const answer = await receiver.handle({
      method: "POST",
      headers: delivery.headers,
      rawBody: delivery.body,
    });
    expect([answer.status, JSON.parse(answer.body).error]).toEqual([503, "secret_lookup_failed"]);
    expect(log.text()).toContain("tenant must return a string synchronously, got a Promise");
  });

  it("refuses a secret chosen by a field the tenant function reads but does not name the tenant by", async () => {
    // Each tenant function reads x-webhook-id (walking every header, or checking it exists), yet names the
    // tenant by something else: the secret that follows x-webhook-id would verify globex's signature as acme.
    const tenants: Record<string, (head: DeliveryHead) => string | undefined> = {
      walksHeaders: ({ headers }) => Object.entries(headers).find(([name]) => name === "x-tenant")?.[1],
      spreadsHeaders: ({ headers }) => ({ ...headers })["x-tenant"],
      checksItExists: ({ headers, params }) => (headers["x-webhook-id"] ? params?.tenant : undefined),
    };
    for (const [label, tenant] of Object.entries(tenants)) {
      const { status, seen } = await forgedAsAcme(
        ({ headers }) => SECRETS[headers["x-webhook-id"] as keyof typeof SECRETS],
        tenant,
        { "x-tenant": "acme" },
      );
      expect([label, status], label).toEqual([label, 503]);
      expect(seen, label).toEqual([]);
    }
  });

  it("records a secret function's reads through property descriptors and the head's prototype", async () => {
    const secrets: Record<string, (head: SecretHead) => string | undefined> = {
      descriptor: ({ headers }) =>
        SECRETS[Object.getOwnPropertyDescriptor(headers, "x-webhook-id")?.value as keyof typeof SECRETS],
      prototype: (head) =>
        SECRETS[
          (Object.getPrototypeOf(head) as { headers?: Record<string, string> } | null)?.headers?.[
            "x-webhook-id"
          ] as keyof typeof SECRETS
        ],
    };
    for (const [label, secret] of Object.entries(secrets)) {
      const { status, seen } = await forgedAsAcme(secret, ({ params }) => params?.tenant);
      expect([label, status === 200], label).toEqual([label, false]);
      expect(seen, label).toEqual([]);
    }
  });

  it("still verifies a secret chosen by the very header the tenant is named by", async () => {
    const receiver = createReceiver({
      provider: providers.eulabel({
        secret: ({ headers }) => SECRETS[headers["x-webhook-id"] as keyof typeof SECRETS],
      }),
      tenant: ({ headers }) => headers["x-webhook-id"],
      logger: false,
    });
    receiver.on("*", () => {});
    const delivery = await signedFor(SECRETS.acme);
    const handle = (id: string) =>
      receiver.handle({
        method: "POST",
        headers: { ...delivery.headers, "x-webhook-id": id },
        rawBody: delivery.body,
      });
    expect((await handle("acme")).status).toBe(200);
    expect((await handle("globex")).status).toBe(401);
  });

  it("refuses a tenant holding a Unicode line separator, a bidi override or a zero-width character", async () => {
    const { base, secrets } = await start();
    const delivery = await signedFor(SECRETS.acme);
    for (const raw of ["acme%E2%80%A8forged", "acme%E2%80%AE", "acme%E2%80%8B", "acme%EF%BB%BF"]) {
      const answer = await send(`${base}/webhooks/${raw}`, delivery);
      expect([raw, answer.status], raw).toEqual([raw, 401]);
    }
    expect(secrets.calls).toEqual([]);
  });

  it("refuses a route tenant holding a newline or an ANSI escape as no tenant (401), logging it nowhere", async () => {
    const { base, log, secrets } = await start();
    const delivery = await signedFor(SECRETS.acme);
    for (const raw of ["acme%0Aforged%20line", "acme%1B%5B31m", "acme%C2%85"]) {
      const answer = await send(`${base}/webhooks/${raw}`, delivery);
      expect([answer.status, answer.json.error]).toEqual([401, "invalid_signature"]);
    }
    expect(secrets.calls).toEqual([]);
    expect(log.text()).not.toContain("forged line");
    expect(log.text()).not.toContain("\u001b");
  });
});

describe("a tenant with a static secret", () => {
  it("warns once at start that the signature does not authenticate the tenant", async () => {
    const log = recordingLogger();
    const receiver = createReceiver({
      provider: providers.eulabel({ secret: SECRETS.acme }),
      tenant: ({ headers }) => headers["x-tenant"],
      logger: log.logger,
    });
    const delivery = await signedFor(SECRETS.acme);
    await receiver.handle({
      method: "POST",
      headers: { ...delivery.headers, "x-tenant": "a" },
      rawBody: delivery.body,
    });
    const warned = log.lines.filter(
      (l) => l.level === "warn" && /does not authenticate the tenant/.test(l.msg ?? ""),
    );
    expect(warned).toHaveLength(1);
    const lookedUp = recordingLogger();
    createReceiver({
      provider: providers.eulabel({ secret: ({ tenant }) => SECRETS[tenant as keyof typeof SECRETS] }),
      tenant: ({ headers }) => headers["x-tenant"],
      logger: lookedUp.logger,
    });
    expect(lookedUp.text()).not.toContain("does not authenticate the tenant");
  });
});
