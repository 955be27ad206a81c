// One receiver definition, shared by the receiver processes and the worker processes: the same provider,
// queue and handlers everywhere, so a worker on another machine runs exactly what the receiver accepted.
import { BullMQQueue } from "@webhook-kit/bullmq";
import { createReceiver, providers } from "@webhook-kit/core";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";

export function eulabelReceiver({ redisUrl, secret, queueName = "eulabel-webhooks", log = console.log }) {
  const queue = new BullMQQueue({ connection: redisUrl, name: queueName });
  const client = createRedisClient(redisUrl);
  client.on("error", (err) => log(`redis: ${err.message}`));
  const receiver = createReceiver({
    provider: providers.eulabel({ secret }),
    store: new RedisStore({ client, prefix: `${queueName}:` }),
    queue,
  });

  // event.id is stable across attempts: make side effects idempotent on it (an upsert, a unique key).
  // Each { id } is what a job records the handler's success under: it must name the same handler next deploy.
  receiver.on(
    "passport.published",
    async (event) => {
      log(
        `published ${event.payload.id} (${event.payload.compliance.completeness} % complete), attempt ${event.attempt}`,
      );
    },
    { id: "log-published" },
  );
  receiver.on(
    ["passport.draft_created", "passport.enriched", "passport.updated"],
    async (event) => {
      log(
        `${event.type} ${event.payload.id}: missing ${event.payload.compliance.missingFields.length} field(s)`,
      );
    },
    { id: "log-missing" },
  );

  const close = async () => {
    await queue.close();
    client.disconnect();
  };
  return { receiver, queue, close };
}
