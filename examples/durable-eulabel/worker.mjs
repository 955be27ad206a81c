// The worker process: runs the handlers of queued deliveries, with retries, a time limit per handler and dead
// letters. Run as many as you like, on any machine that reaches the same Redis.
import { eulabelReceiver } from "./definition.mjs";

const { EULABEL_SECRET: secret, REDIS_URL: redisUrl = "redis://127.0.0.1:6379" } = process.env;
if (!secret) {
  console.error("Set EULABEL_SECRET (the worker verifies nothing, but shares the receiver's definition).");
  process.exit(2);
}
const { receiver, close } = eulabelReceiver({ redisUrl, secret, queueName: process.env.QUEUE_NAME });
const worker = receiver.work({ concurrency: 8 });
console.log("worker: waiting for deliveries");
// Graceful: take no new jobs, let the running ones finish (or return to the queue), then disconnect.
process.once("SIGTERM", async () => {
  await worker.close();
  await close();
  process.exit(0);
});
