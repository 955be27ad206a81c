// One process of the durable soak (scripts/soak-durable.mjs), from the BUILT packages. ROLE=receiver serves
// node:http with a shared idempotency store and the BullMQ queue; ROLE=worker runs the handlers. The worker
// appends to this process's ledger, synchronously, `<kind> <handler|-> <event id> <pid> <ms> [<run id>|<list>]`:
//   start / ok / fail   a handler run began / did its side effect (the line itself) / threw; run id per run
//   requested           core asked the queue to record these handlers done (JobContext.recordProgress)
//   recorded            that record is durable (the queue's write resolved)
//   recordfailed        that write failed (the server was down): a rerun of these handlers is inherent
//   unrequested         a success core had not asked to record by the next turn of the event loop (a bug)
//   deadletter          onError heard dead_letter (the event id, when core passed the event)
// so the soak can tell a rerun a SIGKILL really cut (the killed pid ran the handler, then never recorded it)
// from one caused by a progress record that was missing or lost.
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
/** Longest handler run in ms (rolling deploys: 3 000, so a 1 s grace cuts some); else a few ms. */
const handlerMaxMs = Number(env.HANDLER_MAX_MS ?? 0);
const handlerTimeoutMs = Number(env.HANDLER_TIMEOUT_MS ?? 1_000);

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
  // Short locks: fast takeover from SIGKILLed workers, so the soak sees many; production keeps 30 s.
  lockDurationMs: Number(env.LOCK_MS ?? 3_000),
  stalledIntervalMs: Number(env.LOCK_MS ?? 3_000) / 2,
  // MAX_STALLED unset: the queue's own default (what production runs).
  ...(env.MAX_STALLED !== undefined && { maxStalledCount: Number(env.MAX_STALLED) }),
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

const mark = (kind, handler, id, extra = "") =>
  appendFileSync(LEDGER, `${kind} ${handler} ${id} ${process.pid} ${Date.now()} ${extra}\n`);
/** `<event id> <handler>` → core asked to record it done (see `unrequested`). */
const requested = new Set();

const receiver = createReceiver({
  provider,
  queue,
  storeTimeoutMs: 1_000,
  logger: false,
  ...(ROLE === "receiver" && { store: await sharedStore() }),
  onError: (error, event) => {
    stats.onError[error.code] = (stats.onError[error.code] ?? 0) + 1;
    // Synchronously, so a worker SIGKILLed right after still counts it: the soak compares these with the
    // dead letters it finds (every dead letter must have been told).
    if (ROLE === "worker" && error.code === "dead_letter") mark("deadletter", "-", event?.id ?? "-");
  },
});

if (ROLE === "worker") {
  // Watches the queue's JobContext as core uses it: which successes core asks to record, and whether the
  // record became durable. Observation only: every call goes through unchanged.
  const consume = queue.consume.bind(queue);
  queue.consume = (processor, options) =>
    consume(
      (job, context) =>
        processor(job, {
          recordProgress(done) {
            const id = job.delivery.key;
            // Handler ids are the names given to receiver.on (a, b), perhaps with the event type after them.
            const list = done.map((h) => h.split(/[:#]/)[0]).join(",");
            for (const h of list.split(",")) requested.add(`${id} ${h}`);
            mark("requested", "-", id, list);
            return context.recordProgress(done).then(
              () => mark("recorded", "-", id, list),
              (error) => {
                mark("recordfailed", "-", id, list);
                throw error;
              },
            );
          },
        }),
      options,
    );
}

if (ROLE === "receiver") {
  const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks" }));
  server.keepAliveTimeout = 30_000;
  server.listen(0, "127.0.0.1", () => process.stdout.write(`READY ${server.address().port}\n`));
  process.on("SIGTERM", () => server.close(() => finish()));
} else {
  let runSeq = 0;
  const handler = (name) => async (event) => {
    stats.runs += 1;
    const run = `${process.pid}.${runSeq++}`;
    mark("start", name, event.id, run);
    const ms = handlerMaxMs > 0 ? Math.floor(Math.random() ** 2 * handlerMaxMs) : event.payload.n % 3;
    await new Promise((resolve) => setTimeout(resolve, ms));
    if (Math.random() < hangRate) {
      stats.hangs += 1;
      return new Promise(() => {}); // never settles: handlerTimeoutMs fails the attempt
    }
    if (Math.random() < failRate) {
      stats.failures += 1;
      mark("fail", name, event.id, run);
      throw new Error("transient failure (soak)");
    }
    mark("ok", name, event.id, run);
    // Core asks to record a success in the microtasks after the handler settles: by the next turn of the
    // event loop it must have. (A worker that only stores `done` with the job's final outcome fails here.)
    setImmediate(() => {
      if (!requested.has(`${event.id} ${name}`)) mark("unrequested", name, event.id, run);
    });
  };
  for (const name of ["a", "b"]) receiver.on(["soak.event", "soak.drifted"], handler(name), { id: name });
  const worker = receiver.work({
    concurrency: Number(env.CONCURRENCY ?? 16),
    attempts: 60,
    backoff: { delayMs: 50, maxDelayMs: 1_000 },
    handlerTimeoutMs,
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
