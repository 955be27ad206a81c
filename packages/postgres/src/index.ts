export { PostgresStoreError, type PostgresStoreFailure, type PostgresStoreOperation } from "./errors.js";
export { createPostgresPool, failFastPoolOptions } from "./pool.js";
export { PostgresStore, type PostgresStoreOptions } from "./store.js";
