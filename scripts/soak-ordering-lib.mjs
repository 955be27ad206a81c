// The out-of-order soak's moving parts (issue #21), shared by scripts/soak-ordering.mjs and the vitest-sized
// run in test/durable/ordering-soak.test.ts. Runs the BUILT packages (`pnpm build` first).
//
// Passports follow EUlabel's flow: draft_created → enriched → published → `updates` × updated, timestamps
// increasing (written with varying UTC offsets, so only an instant comparison orders them). The sender POSTs
// every delivery over real HTTP to one of the receivers; in "soak" mode each is sent twice, all shuffled, and
// the first attempt of `senderFailRate` of them is answered 500 by a front that sits before the receiver, and
// retried later. Handlers "apply" the passport's state to a ledger: every run that applied an older version
// after a newer one is counted, and each passport's final state is compared with its last event.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { createReceiver, MemoryQueue, MemoryStore, providers, sign } from "@webhook-kit/core";

export const SECRET = "soak-ordering-secret-7f3e";
const STEPS = ["passport.draft_created", "passport.enriched", "passport.published"];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small deterministic PRNG (mulberry32), so a run can be repeated with its seed. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** ISO-8601 of `ms` written in the offset `offsetMin` (minutes east of UTC). */
function isoAt(ms, offsetMin) {
  const local = new Date(ms + offsetMin * 60_000).toISOString().slice(0, 23);
  if (offsetMin === 0) return `${local}Z`;
  const sign = offsetMin > 0 ? "+" : "-";
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** Each passport's events in flow order; `version` is the event's index in its flow (the ledger's truth). */
export function flows(passports, updates, random) {
  const base = Date.UTC(2026, 2, 25, 10, 0, 0);
  const out = [];
  for (let p = 0; p < passports; p++) {
    const id = `ps_${p}_${randomBytes(3).toString("hex")}`;
    const types = [...STEPS, ...Array.from({ length: updates }, () => "passport.updated")];
    const events = types.map((event, version) => {
      const offset = [0, 120, -300, 330][Math.floor(random() * 4)];
      const payload = {
        event,
        id,
        gtin: "05601234567890",
        // 1.5 s apart, so a fractional second decides some comparisons.
        timestamp: isoAt(base + p * 60_000 + version * 1_500, offset),
        compliance: {
          status: "incomplete",
          regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
          completeness: Math.min(100, version * 20),
          missingFields: [],
          documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
        },
        version: version + 1,
        step: version,
      };
      return { passport: id, version, last: version === types.length - 1, body: JSON.stringify(payload) };
    });
    out.push(events);
  }
  return out;
}

/** What the handlers did: per passport, the version each run applied. */
export function createLedger() {
  const state = new Map();
  const highest = new Map();
  const regressed = new Set();
  let olderAfterNewer = 0;
  let runs = 0;
  /** Events whose fate is known: applied, or skipped as stale. */
  const accounted = new Set();
  return {
    skipped(passport, version) {
      accounted.add(`${passport}:${version}`);
    },
    apply(passport, version) {
      runs += 1;
      accounted.add(`${passport}:${version}`);
      const max = highest.get(passport) ?? -1;
      if (version < max) {
        olderAfterNewer += 1;
        regressed.add(passport);
      }
      state.set(passport, version);
      highest.set(passport, Math.max(max, version));
    },
    /** Every event applied or skipped as stale: the queue has nothing left to run. */
    settled(all) {
      return accounted.size >= all.reduce((n, events) => n + events.length, 0);
    },
    summary(all) {
      let endedOlder = 0;
      let missing = 0;
      for (const events of all) {
        const final = state.get(events[0].passport);
        if (final === undefined) missing += 1;
        else if (final !== events.length - 1) endedOlder += 1;
      }
      return {
        passports: all.length,
        handlerRuns: runs,
        olderAfterNewerRuns: olderAfterNewer,
        passportsWithOlderAfterNewer: regressed.size,
        passportsEndedOlder: endedOlder,
        passportsNeverApplied: missing,
      };
    },
  };
}

/** A real HTTP server in front of `receiver`: the first attempt of the chosen bodies is answered 500. */
async function front(receiver, failFirst) {
  const failed = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const rawBody = Buffer.concat(chunks);
      const text = rawBody.toString("utf8");
      if (failFirst(text) && !failed.has(text)) {
        failed.add(text);
        res.writeHead(500, { "content-type": "application/json" }).end('{"error":"injected"}');
        return;
      }
      const headers = {};
      for (const [name, value] of Object.entries(req.headers)) headers[name] = String(value);
      const answer = await receiver.handle({ method: "POST", headers, rawBody });
      res.writeHead(answer.status, answer.headers).end(answer.body);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: server.address().port, close: () => new Promise((r) => server.close(r)) };
}

function post(port, agent, body, signed) {
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/",
        method: "POST",
        agent,
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...signed,
        },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode));
      },
    );
    req.on("error", () => resolve(0));
    req.end(body);
  });
}

/**
 * One run. `backend`: "memory" (MemoryQueue + MemoryStore, in process), "redis" (BullMQQueue + RedisStore)
 * or "postgres" (BullMQQueue on Redis + PostgresStore). Returns the ledger's summary and what was measured.
 */
export async function runOrderingSoak(options) {
  const {
    backend = "memory",
    passports = 300,
    updates = 3,
    mode = "soak", // "soak": duplicated + shuffled + sender failures; "in-order": each flow once, in order
    ordering = true,
    perEntity = 1,
    senderFailRate = 0.2,
    handlerFailRate = 0,
    concurrency = 8,
    receivers = 2,
    workers = 2,
    senders = 16,
    seed = 1,
    redisUrl = "redis://127.0.0.1:6379",
    postgresUrl = "postgres://postgres@127.0.0.1:5432/test",
    settleTimeoutMs = 180_000,
    log = () => {},
  } = options;
  const random = prng(seed);
  const all = flows(passports, updates, random);
  const ledger = createLedger();
  const provider = providers.eulabel({ secret: SECRET });
  const tag = `soakord${process.pid}x${randomBytes(3).toString("hex")}`;
  const cleanups = [];

  // The shared state: one store per receiver process (each its own connection), one queue.
  let makeStore;
  let makeQueue;
  if (backend === "memory") {
    const store = new MemoryStore({ maxEntries: 1_000_000 });
    const queue = new MemoryQueue({ maxPending: 1_000_000 });
    makeStore = async () => store;
    makeQueue = async () => queue;
  } else {
    const { BullMQQueue } = await import("@webhook-kit/bullmq");
    makeQueue = async () => {
      const queue = new BullMQQueue({
        connection: redisUrl,
        name: tag,
        prefix: tag,
        lockDurationMs: 10_000,
        stalledIntervalMs: 5_000,
        onError: () => {},
      });
      cleanups.push(() => queue.close());
      return queue;
    };
    if (backend === "redis") {
      const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
      makeStore = async () => {
        const client = createRedisClient(redisUrl);
        cleanups.push(() => client.quit());
        return new RedisStore({ client, prefix: `${tag}:` });
      };
    } else {
      const { createPostgresPool, PostgresStore } = await import("@webhook-kit/postgres");
      makeStore = async () => {
        const pool = createPostgresPool({ connectionString: postgresUrl, max: 20 });
        const store = new PostgresStore({ pool, table: tag });
        await store.createSchema();
        cleanups.push(() => pool.end());
        return store;
      };
    }
  }

  const firstRuns = new Set();
  const handler = async (event) => {
    const p = event.payload;
    // A handler that writes to a database: a little latency, so concurrent jobs really interleave.
    await sleep(random() * 4);
    if (handlerFailRate > 0 && !firstRuns.has(event.id)) {
      firstRuns.add(event.id);
      if (random() < handlerFailRate) throw new Error("injected first-run failure");
    }
    ledger.apply(p.id, p.step);
  };
  let stale = 0;
  const consumers = [];
  const fronts = [];
  const receiverCount = Math.max(receivers, workers);
  const failing = new Set();
  for (const events of all)
    for (const e of events) if (mode === "soak" && random() < senderFailRate) failing.add(e.body);
  for (let r = 0; r < receiverCount; r++) {
    const receiver = createReceiver({
      provider,
      store: await makeStore(),
      queue: await makeQueue(),
      logger: false,
      ordering,
      ...(ordering !== false && {
        onStale: (event) => {
          stale += 1;
          ledger.skipped(event.payload.id, event.payload.step);
        },
      }),
    });
    receiver.on(
      ["passport.draft_created", "passport.enriched", "passport.published", "passport.updated"],
      handler,
    );
    if (r < receivers) fronts.push(await front(receiver, (text) => failing.has(text)));
    if (r < workers) {
      consumers.push(
        receiver.work({
          concurrency,
          backoff: { delayMs: 50, maxDelayMs: 1_000 },
          ...(ordering !== false && { perEntity }),
        }),
      );
    }
  }

  // The sender. In order: each passport's flow one event after the other (answered before the next is sent),
  // `senders` passports at a time. Soak: every delivery twice, all shuffled, `senders` requests at a time.
  let lanes;
  if (mode === "in-order") lanes = all;
  else {
    const deliveries = all.flatMap((events) => events.flatMap((e) => [e, e]));
    for (let i = deliveries.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
    }
    lanes = deliveries.map((d) => [d]);
  }
  const agents = fronts.map(() => new http.Agent({ keepAlive: true, maxSockets: senders }));
  const stats = { sent: 0, requests: 0, statuses: {}, gaveUp: 0 };
  const startedAt = performance.now();
  let next = 0;
  const retries = [];
  const deliver = async (d) => {
    const signed = (await sign(provider, d.body)).headers;
    for (let attempt = 1; attempt <= 30; attempt++) {
      const r = Math.floor(random() * fronts.length);
      const status = await post(fronts[r].port, agents[r], d.body, signed);
      stats.requests += 1;
      stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
      if (status >= 200 && status < 300) return;
      // The platform retries later: meanwhile the other deliveries go on.
      await sleep(50 + random() * 200);
    }
    stats.gaveUp += 1;
  };
  await Promise.all(
    Array.from({ length: senders }, async () => {
      while (next < lanes.length) {
        const lane = lanes[next++];
        for (const d of lane) {
          stats.sent += 1;
          const sending = deliver(d);
          retries.push(sending);
          if (mode === "in-order") await sending;
          else await sleep(0);
        }
      }
    }),
  );
  await Promise.all(retries);
  const acknowledgedMs = performance.now() - startedAt;
  log(`all ${stats.sent} deliveries acknowledged in ${Math.round(acknowledgedMs)} ms; waiting for workers`);
  const until = Date.now() + settleTimeoutMs;
  while (!ledger.settled(all) && Date.now() < until) await sleep(100);
  // Anything still running would show up as an older apply: give it a moment.
  await sleep(mode === "in-order" ? 200 : 1_000);
  const settledMs = performance.now() - startedAt;
  const queue = await makeQueue();
  const dead = (await queue.listDeadLetters()).length;
  for (const c of consumers) await c.close();
  for (const f of fronts) await f.close();
  for (const a of agents) a.destroy();
  for (const clean of cleanups.reverse()) await clean().catch(() => {});
  if (backend !== "memory") await cleanupServers({ backend, tag, redisUrl, postgresUrl });
  return {
    backend,
    mode,
    ordering,
    perEntity: ordering === false ? false : perEntity,
    concurrency,
    receivers,
    workers,
    ...ledger.summary(all),
    staleSkipped: stale,
    deadLetters: dead,
    sender: stats,
    acknowledgedMs: Math.round(acknowledgedMs),
    settledMs: Math.round(settledMs),
  };
}

/** Removes the run's keys and tables (its own unique names only). */
async function cleanupServers({ backend, tag, redisUrl, postgresUrl }) {
  const { Redis } = await import("ioredis");
  const redis = new Redis(redisUrl);
  let cursor = "0";
  do {
    const [nextCursor, keys] = await redis.scan(cursor, "MATCH", `${tag}*`, "COUNT", 1000);
    cursor = nextCursor;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== "0");
  await redis.quit();
  if (backend === "postgres") {
    const pg = (await import("pg")).default;
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`DROP TABLE IF EXISTS "${tag}", "${tag}_versions"`);
    await client.end();
  }
}
