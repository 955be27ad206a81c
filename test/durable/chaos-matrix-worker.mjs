// A worker process for the chaos matrix (test/durable/chaos-matrix.test.ts): receiver.work() on a BullMQQueue,
// from the BUILT packages, with the matrix's provider and handlers. Env: BACKEND (redis | postgres), URL,
// QUEUE, SECRET, MODE:
//   crash  handler a succeeds, handler b hangs (the test SIGKILLs the process mid-job)
//   die    handler a SIGKILLs its own process (a poison job, or a deploy that never lets it finish)
// Output lines: READY; RAN <handler> <event id>; RECORDED <done list> <event id>; ONERROR <code> <message>;
// LOG <level> <message>; so the test sees what this worker ran, recorded, reported and logged.
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, defineProvider, hmacSignature } from "@webhook-kit/core";
import { z } from "zod";

const { BACKEND, URL: SERVER, QUEUE, SECRET, MODE } = process.env;
if (!BACKEND || !SERVER || !QUEUE || !SECRET || !MODE) throw new Error("chaos-matrix-worker: missing env");
const say = (line) => process.stdout.write(`${line.replace(/\n/g, " ")}\n`);

const options = {
  name: QUEUE,
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  maxStalledCount: 1,
  onError() {},
};
const queue = new BullMQQueue(
  BACKEND === "postgres" ? { postgres: SERVER, ...options } : { connection: SERVER, ...options },
);
// Observation only: what core asks the queue to record, once it is durable.
const consume = queue.consume.bind(queue);
queue.consume = (processor, consumeOptions) =>
  consume(
    (job, context) =>
      processor(job, {
        recordProgress: (done) =>
          context.recordProgress(done).then(() => say(`RECORDED ${done.join(",")} ${job.delivery.key}`)),
      }),
    consumeOptions,
  );

const provider = defineProvider({
  name: "chaos",
  signature: hmacSignature({ header: "x-chaos-signature", prefix: "sha256=", secret: SECRET }),
  events: {
    "chaos.event": z.looseObject({ id: z.string(), amount: z.number() }),
    "chaos.unhandled": z.looseObject({ id: z.string() }),
  },
  eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
  idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
});
const line = (level) => (obj, msg) => say(`LOG ${level} ${msg ?? ""} ${JSON.stringify(obj)}`);
const receiver = createReceiver({
  provider,
  queue,
  logger: { debug() {}, info: line("info"), warn: line("warn"), error: line("error") },
  onError: (error) => say(`ONERROR ${error.code} ${error.message}`),
});
receiver.on(
  "chaos.event",
  (event) => {
    say(`RAN a ${event.id}`);
    if (MODE === "die") process.kill(process.pid, "SIGKILL");
  },
  { id: "a" },
);
receiver.on(
  "chaos.event",
  async (event) => {
    if (MODE === "crash") {
      say(`RAN b-started ${event.id}`);
      await new Promise(() => {});
    }
    say(`RAN b ${event.id}`);
  },
  { id: "b" },
);
const worker = receiver.work({ concurrency: 1, attempts: 3, backoff: { delayMs: 50, maxDelayMs: 200 } });
say("READY");
process.once("SIGTERM", async () => {
  await worker.close();
  await queue.close();
  process.exit(0);
});
