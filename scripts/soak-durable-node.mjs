// One process of the durable soak (scripts/soak-durable.mjs), from the BUILT packages. ROLE=receiver serves
// node:http with a shared idempotency store and the BullMQ queue; ROLE=worker runs the handlers. Every
// handler run appends one line to this process's ledger, synchronously (the side effect a SIGKILL can cut):
// `ok|fail <handler> <event id> <pid> <ms>`.
import { appendFileSync } from "node:fs";
import http from "node:http";
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, defineProvider, hmacSignature } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { z } from "zod";

const env = process.env;
const { ROLE, BACKEND, URL: SERVER_URL, QUEUE, LEDGER, SECRET, PREFIX, NAME } = env;
if (!ROLE || !BACKEND || !SERVER_URL || !QUEUE || !SECRET || !PREFIX || !NAME)
  throw new Error("soak-durable-node: missing environment (ROLE, BACKEND, URL, QUEUE, SECRET, PREFIX, NAME)");
const failRate = Number(env.FAIL_RATE ?? 0.05);
const hangRate = Number(env.HANG_RATE ?? 0.002);
const fixed = env.FIXED === "1";

// The drifted type's `amount` arrives as a string: the worker's schema expects a number until the "fix".
const provider = defineProvider({
  name: "soak",
  signature: hmacSignature({ header: "x-soak-signature", prefix: "sha256=", secret: SECRET }),
  events: {
    "soak.event": z.looseObject({ id: z.string(), n: z.number() }),
    "soak.drifted": z.looseObject({
      id: z.string(),
      n: z.number(),
      amount: fixed ? z.union([z.number(), z.string()]) : z.number(),
    }),
  },
  eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
  idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
});

const stats = { name: NAME, role: ROLE, onError: {}, runs: 0, failures: 0, hangs: 0, queueErrors: 0 };
const queueOptions = {
  name: QUEUE,
  // Fast takeover from SIGKILLed workers, so the soak sees many; production keeps the defaults (30 s).
  lockDurationMs: 3_000,
  stalledIntervalMs: 1_500,
  maxStalledCount: 20,
  onError: () => {
    stats.queueErrors += 1; // expected while the soak has the server down
  },
};
const queue = new BullMQQueue(
  BACKEND === "postgres"
    ? { postgres: SERVER_URL, ...queueOptions }
    : { connection: SERVER_URL, ...queueOptions },
);

async function sharedStore() {
  if (BACKEND === "postgres") {
    const { PostgresStore } = await import("@webhook-kit/postgres");
    const pg = (await import("pg")).default;
    const pool = new pg.Pool({ connectionString: SERVER_URL, max: 10, connectionTimeoutMillis: 1_000 });
    pool.on("error", () => {});
    const store = new PostgresStore({ pool, table: `${PREFIX.replace(/\W/g, "_")}keys` });
    await store.createSchema();
    return store;
  }
  const { createRedisClient, RedisStore } = await import("@webhook-kit/redis");
  const client = createRedisClient(SERVER_URL);
  client.on("error", () => {});
  return new RedisStore({ client, prefix: PREFIX, defaultTimeoutMs: 1_000 });
}

const receiver = createReceiver({
  provider,
  queue,
  storeTimeoutMs: 1_000,
  logger: false,
  ...(ROLE === "receiver" && { store: await sharedStore() }),
  onError: (error) => {
    stats.onError[error.code] = (stats.onError[error.code] ?? 0) + 1;
  },
});

if (ROLE === "receiver") {
  const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks" }));
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1", () => process.stdout.write(`READY ${server.address().port}\n`));
  process.on("SIGTERM", () => server.close(() => finish()));
} else {
  const handler = (name) => async (event) => {
    stats.runs += 1;
    await new Promise((resolve) => setTimeout(resolve, event.payload.n % 3));
    if (Math.random() < hangRate) {
      stats.hangs += 1;
      return new Promise(() => {}); // never settles: handlerTimeoutMs fails the attempt
    }
    if (Math.random() < failRate) {
      stats.failures += 1;
      appendFileSync(LEDGER, `fail ${name} ${event.id} ${process.pid} ${Date.now()}\n`);
      throw new Error("transient failure (soak)");
    }
    appendFileSync(LEDGER, `ok ${name} ${event.id} ${process.pid} ${Date.now()}\n`);
  };
  for (const name of ["a", "b"]) receiver.on(["soak.event", "soak.drifted"], handler(name), { id: name });
  const worker = receiver.work({
    concurrency: Number(env.CONCURRENCY ?? 16),
    attempts: 60,
    backoff: { delayMs: 50, maxDelayMs: 1_000 },
    handlerTimeoutMs: 1_000,
  });
  process.stdout.write("READY 0\n");
  process.on("SIGTERM", async () => {
    await worker.close();
    finish();
  });
}

async function finish() {
  await queue.close().catch(() => {});
  process.stdout.write(`STATS ${JSON.stringify(stats)}\n`);
  process.exit(0);
}
