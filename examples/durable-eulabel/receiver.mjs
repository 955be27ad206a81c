// The receiver process: verifies, dedupes (Redis), queues (BullMQ on Redis) and answers 202. Run several
// behind a load balancer; none of them runs a handler.
import { webhookMiddleware } from "@webhook-kit/express";
import express from "express";
import { eulabelReceiver } from "./definition.mjs";

const { EULABEL_SECRET: secret, REDIS_URL: redisUrl = "redis://127.0.0.1:6379", PORT = "3000" } = process.env;
if (!secret) {
  console.error("Set EULABEL_SECRET to the signing secret from the EUlabel dashboard (Settings > Webhooks).");
  process.exit(2);
}
const { receiver, close } = eulabelReceiver({ redisUrl, secret, queueName: process.env.QUEUE_NAME });
const app = express();
app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
const server = app.listen(Number(PORT), "127.0.0.1", () => {
  console.log(`receiver: POST http://127.0.0.1:${server.address().port}/webhooks/eulabel`);
});
process.once("SIGTERM", () => server.close(() => close().then(() => process.exit(0))));
