// One receiver process of the no-loss soak (scripts/soak.mjs): node:http + createNodeHandler + RedisStore,
// from the BUILT packages. Every handler run appends one line to this process's ledger:
// `ok <id>` when it succeeded, `fail <id>` when it threw on purpose (a transient failure).
import { appendFileSync } from "node:fs";
import http from "node:http";
import { createReceiver, defineProvider, hmacSignature, MemoryStore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { z } from "zod";

const { REDIS_URL, LEDGER, SECRET, PREFIX, LEASE_MS, FAIL_RATE, NAME } = process.env;
if (!REDIS_URL || !LEDGER || !SECRET || !PREFIX || !LEASE_MS || !FAIL_RATE || !NAME)
  throw new Error(
    "soak-receiver: missing environment (REDIS_URL, LEDGER, SECRET, PREFIX, LEASE_MS, FAIL_RATE, NAME)",
  );
const failRate = Number(FAIL_RATE);

const provider = defineProvider({
  name: "soak",
  signature: hmacSignature({ header: "x-soak-signature", prefix: "sha256=", secret: SECRET }),
  events: { "soak.event": z.looseObject({ id: z.string(), n: z.number() }) },
  eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
  idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
  leaseMs: Number(LEASE_MS),
});

const client = createRedisClient(REDIS_URL);
const stats = { redisErrors: 0, onError: {}, runs: 0, failures: 0 };
client.on("error", () => {
  stats.redisErrors += 1; // expected while the soak has Redis down
});
// SOAK_RECEIVER_STORE=memory is the soak's negative control: a per-process MemoryStore cannot dedupe across
// the two processes, so the ledger must show events processed twice (and the soak must exit 1).
const store =
  process.env.SOAK_RECEIVER_STORE === "memory"
    ? Object.assign(new MemoryStore(), { pendingWrites: 0 })
    : new RedisStore({ client, prefix: PREFIX, defaultTimeoutMs: 1_000 });
const receiver = createReceiver({
  provider,
  store,
  storeTimeoutMs: 1_000,
  onError: (error) => {
    stats.onError[error.code] = (stats.onError[error.code] ?? 0) + 1;
  },
});

receiver.on("soak.event", async (event) => {
  stats.runs += 1;
  // A little async work widens the window in which a duplicate races this run.
  await new Promise((resolve) => setTimeout(resolve, event.payload.n % 3));
  if (Math.random() < failRate) {
    stats.failures += 1;
    appendFileSync(LEDGER, `fail ${event.id}\n`);
    throw new Error("transient failure (soak)");
  }
  appendFileSync(LEDGER, `ok ${event.id}\n`);
});

const server = http.createServer(createNodeHandler(receiver, { path: "/webhooks" }));
server.keepAliveTimeout = 30_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`READY ${server.address().port}\n`);
});

process.on("SIGTERM", async () => {
  server.close();
  await receiver.idle();
  const deadline = Date.now() + 10_000;
  while (store.pendingWrites > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  process.stdout.write(
    `STATS ${JSON.stringify({ name: NAME, ...stats, pendingWrites: store.pendingWrites })}\n`,
  );
  client.disconnect();
  process.exit(0);
});
