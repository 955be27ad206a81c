import http from "node:http";
import type { AddressInfo } from "node:net";
import net from "node:net";
import { createReceiver } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import {
  createRedisClient,
  failFastRedisOptions,
  type RedisClient,
  RedisStore,
  RedisStoreError,
} from "@webhook-kit/redis";
import { Cluster, Redis } from "ioredis";
import { Redis as Redis6 } from "ioredis6";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { eulabel, passportEvent, signedDelivery } from "./support/deliveries.js";
import { send } from "./support/http.js";
import {
  deleteKeys,
  freePort,
  type PrivateRedis,
  type SharedRedis,
  sharedRedis,
  startPrivateRedis,
  uniquePrefix,
} from "./support/redis.js";

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const LONG = 60_000;

/** Clients made by a test, closed after it whatever happens. */
const clients: { disconnect(): void }[] = [];
function track<T extends RedisClient & { disconnect(): void }>(client: T): T {
  client.on("error", () => {}); // outages are provoked on purpose here
  clients.push(client);
  return client;
}
afterEach(() => {
  for (const client of clients.splice(0)) client.disconnect();
});

async function claimedToken(store: RedisStore, key: string, leaseMs = LONG): Promise<string> {
  const result = await store.claim(key, { leaseMs });
  if (result.status !== "claimed") throw new Error(`expected claimed, got ${JSON.stringify(result)}`);
  return result.token;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

describe("RedisStore on the shared Redis", () => {
  let redis: SharedRedis;
  let admin: Redis;
  const prefix = uniquePrefix("store");
  beforeAll(async () => {
    redis = await sharedRedis();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    await deleteKeys(admin, prefix);
    await admin.quit();
    await redis.release();
  });

  it("keeps keys that differ only in lone surrogates (or in an escape's spelling) apart", async () => {
    const own = uniquePrefix("lone-surrogates");
    const store = new RedisStore({ client: track(createRedisClient(redis.url)), prefix: own });
    // UTF-8 encoding turns every lone surrogate into U+FFFD: unescaped, these five would share one key.
    const keys = ["ls:a\uD800", "ls:a\uDBFF", "ls:a\uDFFF", "ls:a\uFFFD", "ls:a%uD800", "ls:a%25uD800"];
    for (const key of keys) {
      const token = await claimedToken(store, key);
      expect(await store.complete(key, token, { retentionMs: LONG }), key).toBe(true);
    }
    expect(new Set(keys.map((key) => store.redisKey(key))).size).toBe(keys.length);
    const lone = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
    for (const key of keys) expect(lone.test(store.redisKey(key)), key).toBe(false);
    // A well-formed key without "%" is stored as it is (the layout above is unchanged).
    expect(store.redisKey("ls:\u{1F600}ok")).toBe(`${own}{ls:\u{1F600}ok}`);
    expect(await deleteKeys(admin, own)).toBe(keys.length);
  });

  it("keeps one key per delivery: prefix + the delivery key as Cluster hash tag, PX = lease, then retention", async () => {
    const store = new RedisStore({ client: track(createRedisClient(redis.url)), prefix });
    expect(store.redisKey("eulabel:abc")).toBe(`${prefix}{eulabel:abc}`);
    const token = await claimedToken(store, "eulabel:abc", 5_000);
    const leaseTtl = await admin.pttl(`${prefix}{eulabel:abc}`);
    expect(leaseTtl).toBeGreaterThan(4_000);
    expect(leaseTtl).toBeLessThanOrEqual(5_000);
    expect(await store.complete("eulabel:abc", token, { retentionMs: 3_600_000 })).toBe(true);
    const retentionTtl = await admin.pttl(`${prefix}{eulabel:abc}`);
    expect(retentionTtl).toBeGreaterThan(3_500_000);
    expect(await admin.keys(`${prefix}*`)).toEqual([`${prefix}{eulabel:abc}`]);
  });

  it("refuses a prefix with braces, a non-client, and a non-positive timeout", () => {
    const client = track(createRedisClient(redis.url, { lazyConnect: true }));
    expect(() => new RedisStore({ client, prefix: "app:{x}:" })).toThrow(/prefix/);
    expect(() => new RedisStore({ client: {} as Redis })).toThrow(/ioredis/);
    expect(() => new RedisStore({ client, defaultTimeoutMs: 0 })).toThrow(/defaultTimeoutMs/);
    expect(() => new RedisStore({ client, retryWritesForMs: -1 })).toThrow(/retryWritesForMs/);
  });

  it("createRedisClient applies the fail-fast options, and the caller's options win", () => {
    const client = track(createRedisClient(redis.url, { lazyConnect: true, connectTimeout: 3_000 }));
    expect(client.options.enableOfflineQueue).toBe(false);
    expect(client.options.maxRetriesPerRequest).toBe(0);
    expect(client.options.connectTimeout).toBe(3_000);
    expect(client.options.port).toBe(redis.port);
    const fromOptions = track(createRedisClient({ port: redis.port, lazyConnect: true }));
    expect(fromOptions.options.commandTimeout).toBe(1_000);
    expect(fromOptions.options.enableAutoPipelining).toBe(true);
  });

  it("createRedisClient refuses a URL of another scheme without echoing its password; takes a unix socket path", () => {
    for (const target of [
      "http://u:hunter2@127.0.0.1:6379",
      "https://u:hunter2@127.0.0.1:6379",
      "u:hunter2@127.0.0.1:6379",
      "//u:hunter2@127.0.0.1:6379",
    ]) {
      let caught: unknown;
      try {
        createRedisClient(target, { lazyConnect: true });
      } catch (error) {
        caught = error;
      }
      expect(caught, target).toBeInstanceOf(TypeError);
      expect((caught as Error).message).toContain("must be a redis:// or rediss:// URL");
      expect((caught as Error).message).not.toContain("hunter2");
    }
    const viaSocket = track(createRedisClient("/tmp/webhook-kit-none.sock?db=2", { lazyConnect: true }));
    expect(viaSocket.options.path).toBe("/tmp/webhook-kit-none.sock");
    const viaTls = track(createRedisClient("rediss://u:pw@127.0.0.1:6390", { lazyConnect: true }));
    expect(viaTls.options.port).toBe(6390);
  });

  it("sends the commands of one event-loop turn in one socket write (createRedisClient: auto-pipelining)", async () => {
    const client = track(createRedisClient(redis.url));
    await until("ready", async () => (client.status === "ready" ? true : undefined));
    const socket = client.stream as unknown as {
      _write: (...a: unknown[]) => void;
      _writev: (...a: unknown[]) => void;
    };
    const writes = { single: 0, vectored: 0 };
    const write = socket._write.bind(socket);
    const writev = socket._writev.bind(socket);
    socket._write = (...args) => {
      writes.single += 1;
      write(...args);
    };
    socket._writev = (...args) => {
      writes.vectored += 1;
      writev(...args);
    };
    const store = new RedisStore({ client, prefix });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.claim(`batch-${i}`, { leaseMs: LONG })),
    );
    expect(results.every((r) => r.status === "claimed")).toBe(true);
    // 50 concurrent claims: one or two socket writes, not 50 syscalls.
    expect(writes.single + writes.vectored).toBeLessThanOrEqual(2);
  });

  it("a lazyConnect client is connected by the first store call", async () => {
    const store = new RedisStore({
      client: track(createRedisClient(redis.url, { lazyConnect: true })),
      prefix,
    });
    expect((await store.claim("lazy", { leaseMs: LONG })).status).toBe("claimed");
  });
});

describe("RedisStore on a private Redis: round trips, lost replies", () => {
  let redis: PrivateRedis;
  beforeAll(async () => {
    redis = await startPrivateRedis();
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it("each claim, renew, complete and release is one EVALSHA and nothing else", async () => {
    const store = new RedisStore({ client: track(createRedisClient(redis.url)) });
    // Each script's first use on a Redis with an empty script cache is EVALSHA → NOSCRIPT → EVAL: warm all four.
    const warm = await claimedToken(store, "warm-up");
    await store.renew("warm-up", warm, { leaseMs: LONG });
    await store.release("warm-up", warm);
    await store.complete("warm-up", await claimedToken(store, "warm-up"), { retentionMs: LONG });
    const observer = track(new Redis(redis.url));
    const monitor = await observer.monitor();
    clients.push(monitor);
    const seen: string[] = [];
    // MONITOR also shows the commands a script runs inside Redis, tagged "lua": those are not round trips.
    monitor.on("monitor", (_time: string, args: string[], source: string) => {
      if (source !== "lua") seen.push(String(args[0]).toLowerCase());
    });
    const ops = 40;
    for (let i = 0; i < ops; i++) {
      const token = await claimedToken(store, `k${i}`);
      await store.renew(`k${i}`, token, { leaseMs: LONG });
      if (i % 2 === 0) await store.complete(`k${i}`, token, { retentionMs: LONG });
      else await store.release(`k${i}`, token);
    }
    await until("MONITOR to catch up", async () => (seen.length >= ops * 3 ? true : undefined));
    await sleep(50);
    expect(seen).toEqual(Array.from({ length: ops * 3 }, () => "evalsha"));
  });

  it("a claim whose reply never came is handed back once Redis answers, not held for the whole lease", async () => {
    const admin = track(new Redis(redis.url));
    const store = new RedisStore({ client: track(createRedisClient(redis.url)), defaultTimeoutMs: 300 });
    const other = new RedisStore({ client: track(createRedisClient(redis.url)) });
    // Writes (scripts included) wait 800 ms in Redis: the claim outlives its budget, then is applied anyway.
    await admin.call("CLIENT", "PAUSE", "800", "WRITE");
    const error = (await store
      .claim("slow-claim", { leaseMs: LONG })
      .catch((e: unknown) => e)) as RedisStoreError;
    expect(error).toBeInstanceOf(RedisStoreError);
    expect(error.reason).toBe("timeout");
    expect(error.sent).toBe(true);
    // Without the hand-back the key would answer in_progress for 60 s (LONG).
    const status = await until("the key to be free again", async () => {
      const result = await other.claim("slow-claim", { leaseMs: LONG });
      return result.status === "claimed" ? result.status : undefined;
    });
    expect(status).toBe("claimed");
  });
});

describe("RedisStore fails fast and recovers alone", () => {
  it("rejects at once with RedisStoreError when nothing listens (fail-fast client)", async () => {
    const port = await freePort();
    const store = new RedisStore({ client: track(createRedisClient(`redis://127.0.0.1:${port}`)) });
    const started = Date.now();
    const error = await store.claim("k", { leaseMs: LONG }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).operation).toBe("claim");
    expect((error as RedisStoreError).message).toMatch(/RedisStore\.claim/);
    expect((error as RedisStoreError).sent).toBe(false); // never queued: nothing can run later
    expect(store.pendingWrites).toBe(0); // and nothing to hand back
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("rejects at once with an ioredis 6 client too, and serves once its Redis answers", async () => {
    const port = await freePort();
    const down = new RedisStore({ client: track(new Redis6(port, "127.0.0.1", failFastRedisOptions)) });
    const error = await down.claim("k", { leaseMs: LONG }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RedisStoreError);
    expect((error as RedisStoreError).sent).toBe(false);
    const redis = await sharedRedis();
    try {
      const up = new RedisStore({ client: track(new Redis6(redis.url, failFastRedisOptions)) });
      const key = `ioredis6-${Date.now()}`;
      expect((await up.claim(key, { leaseMs: 1_000 })).status).toBe("claimed");
      expect((await up.claim(key, { leaseMs: 1_000 })).status).toBe("in_progress");
    } finally {
      await redis.release();
    }
  });

  it("stays bounded with ioredis defaults too (offline queue, 20 retries per request)", async () => {
    const port = await freePort();
    const store = new RedisStore({ client: track(new Redis(port, "127.0.0.1")), defaultTimeoutMs: 300 });
    const started = Date.now();
    await expect(store.claim("k", { leaseMs: LONG })).rejects.toBeInstanceOf(RedisStoreError);
    await expect(store.complete("k", "t", { retentionMs: LONG })).rejects.toBeInstanceOf(RedisStoreError);
    expect(Date.now() - started).toBeLessThan(2 * 300 + 500);
  });

  it("gives up after defaultTimeoutMs when the server accepts connections but never answers", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket)); // a hung Redis: TCP up, no replies
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const store = new RedisStore({ client: track(new Redis(port, "127.0.0.1")), defaultTimeoutMs: 400 });
      const started = Date.now();
      const error = (await store.claim("k", { leaseMs: LONG }).catch((e: unknown) => e)) as RedisStoreError;
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(RedisStoreError);
      expect(error.reason).toBe("timeout");
      expect(error.message).toMatch(/within 400 ms/);
      expect(error.sent).toBe(false); // the connection never became ready: the script was never written
      expect(elapsed).toBeGreaterThanOrEqual(350);
      expect(elapsed).toBeLessThan(1_400);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("a receiver's deadline bounds the call, not the store's default: 503 by storeTimeoutMs on a hung server", async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const client = track(new Redis(port, "127.0.0.1"));
      const store = new RedisStore({ client, defaultTimeoutMs: 10_000 });
      const direct = Date.now();
      const error = (await store
        .claim("k", { leaseMs: LONG, deadline: Date.now() + 300 })
        .catch((e: unknown) => e)) as RedisStoreError;
      expect(error).toBeInstanceOf(RedisStoreError);
      expect(error.reason).toBe("timeout");
      expect(Date.now() - direct).toBeLessThan(1_000);
      // The receiver sets no timer around a store that honours deadlines: the store's own must fire.
      const receiver = createReceiver({ provider: eulabel(), store, storeTimeoutMs: 300 });
      const wire = await signedDelivery(passportEvent());
      const started = Date.now();
      const response = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
      expect(response.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it("a call whose deadline has already passed sends nothing", async () => {
    const redis = await sharedRedis();
    try {
      const client = track(createRedisClient(redis.url));
      const store = new RedisStore({ client, prefix: uniquePrefix("past") });
      await store.claim("warm", { leaseMs: 1_000 }); // connection ready
      const error = (await store
        .claim("k", { leaseMs: LONG, deadline: Date.now() - 1 })
        .catch((e: unknown) => e)) as RedisStoreError;
      expect(error.reason).toBe("timeout");
      expect(error.sent).toBe(false);
      expect(store.pendingWrites).toBe(0); // nothing sent: nothing to hand back
      expect((await store.claim("k", { leaseMs: LONG })).status).toBe("claimed");
    } finally {
      await redis.release();
    }
  });

  it("rejects at once once the client was closed by its owner", async () => {
    const redis = await sharedRedis();
    try {
      const client = createRedisClient(redis.url);
      const store = new RedisStore({ client });
      await store.claim(`closed-${Date.now()}`, { leaseMs: 1_000 });
      await client.quit();
      await expect(store.claim("k", { leaseMs: LONG })).rejects.toThrow(/closed/);
    } finally {
      await redis.release();
    }
  });

  describe("a receiver on node:http over a private Redis that is killed and restarted", () => {
    let redis: PrivateRedis;
    let server: http.Server;
    let url: string;
    const handled: string[] = [];
    beforeAll(async () => {
      redis = await startPrivateRedis({ durable: true });
      const store = new RedisStore({
        client: track(createRedisClient(redis.url)),
        defaultTimeoutMs: 1_000,
      });
      const receiver = createReceiver({ provider: eulabel(), store });
      receiver.on("passport.published", (event) => {
        handled.push(event.payload.timestamp);
      });
      server = http.createServer(createNodeHandler(receiver));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(async () => {
      server?.close();
      await redis?.stop();
    });

    it("answers 503 store_unavailable + Retry-After while Redis is down, then 200 again without a restart", async () => {
      const before = await signedDelivery(passportEvent());
      expect((await send(url, before)).status).toBe(200);

      await redis.kill();
      const killedAt = Date.now();
      const during = await signedDelivery(passportEvent());
      const down = await send(url, during);
      const downMs = Date.now() - killedAt;
      expect(down.status).toBe(503);
      expect(down.json.error).toBe("store_unavailable");
      expect(Number(down.headers["retry-after"])).toBeGreaterThan(0);
      expect(handled).toHaveLength(1); // nothing acknowledged that could not be deduplicated
      console.info(`[fail-fast] Redis killed → 503 store_unavailable answered in ${downMs} ms`);

      await redis.start();
      const restartedAt = Date.now();
      const again = await until("a 200 after the restart", async () => {
        const response = await send(url, during);
        return response.status === 200 ? response : undefined;
      });
      console.info(`[recovery] Redis back → 200 after ${Date.now() - restartedAt} ms`);
      expect(again.json).toEqual({ received: true });
      expect(handled).toHaveLength(2);
      // Durable Redis kept the completion from before the crash: the old delivery is still a duplicate.
      expect((await send(url, before)).json).toEqual({ received: true, duplicate: true });
      expect(handled).toHaveLength(2);
    });

    it("a completion that failed while Redis was down is written once Redis is back", async () => {
      const client = track(createRedisClient(redis.url));
      const store = new RedisStore({ client, defaultTimeoutMs: 500 });
      const token = await claimedToken(store, "late-complete");
      await redis.kill();
      await expect(store.complete("late-complete", token, { retentionMs: LONG })).rejects.toBeInstanceOf(
        RedisStoreError,
      );
      expect(store.pendingWrites).toBe(1);
      await redis.start();
      await until("the retried complete", async () => (store.pendingWrites === 0 ? true : undefined));
      expect(await store.claim("late-complete", { leaseMs: LONG })).toEqual({ status: "completed" });
    });
  });
});

describe("RedisStore on a Redis Cluster", () => {
  let node: PrivateRedis;
  beforeAll(async () => {
    // A one-node cluster owning all 16 384 slots: real cluster mode (MOVED-aware client, CLUSTER SLOTS).
    node = await startPrivateRedis({
      extraArgs: [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        "nodes.conf",
        "--cluster-announce-ip",
        "127.0.0.1",
      ],
    });
    const admin = new Redis(node.url);
    await admin.call("CLUSTER", "ADDSLOTSRANGE", "0", "16383");
    await until("cluster_state:ok", async () =>
      String(await admin.call("CLUSTER", "INFO")).includes("cluster_state:ok") ? true : undefined,
    );
    admin.disconnect();
  });
  afterAll(async () => {
    await node?.stop();
  });

  it("claims, completes and hashes every key of a delivery to its own slot", async () => {
    const cluster = track(
      new Cluster([{ host: "127.0.0.1", port: node.port }], {
        enableOfflineQueue: false,
        redisOptions: { ...failFastRedisOptions },
      }),
    );
    const store = new RedisStore({ client: cluster, prefix: "cluster-test:" });
    const token = await claimedToken(store, "order:42");
    expect((await store.claim("order:42", { leaseMs: LONG })).status).toBe("in_progress");
    expect(await store.complete("order:42", token, { retentionMs: LONG })).toBe(true);
    expect((await store.claim("order:42", { leaseMs: LONG })).status).toBe("completed");
    const slotOfKey = await cluster.call("CLUSTER", "KEYSLOT", store.redisKey("order:42"));
    const slotOfTag = await cluster.call("CLUSTER", "KEYSLOT", "order:42");
    expect(slotOfKey).toBe(slotOfTag);
  });
});
