export { createRedisClient, failFastRedisOptions } from "./client.js";
export { RedisStoreError, type RedisStoreOperation } from "./errors.js";
export type { RedisClient } from "./readiness.js";
export { RedisStore, type RedisStoreOptions } from "./store.js";
