export { type PostgresTarget, producerRedisOptions, type RedisTarget } from "./backends.js";
export { BullMQQueueError, type BullMQQueueOperation } from "./errors.js";
export { jobIdFromKey, keyFromJobId } from "./job-id.js";
export { listQueues, type QueueLocation } from "./list-queues.js";
export {
  type BullMQPostgresQueueOptions,
  BullMQQueue,
  type BullMQQueueCommonOptions,
  type BullMQQueueOptions,
  type BullMQRedisQueueOptions,
} from "./queue.js";
export { THROWN_RETRY_DELAY_MS, UNDECODABLE } from "./run-job.js";
