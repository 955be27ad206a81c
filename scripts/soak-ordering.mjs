#!/usr/bin/env node
// The out-of-order soak (issue #21) on the BUILT packages (`pnpm build` first). Prints one JSON line per run
// on stdout; exits 1 when any passport ended older than its last event, any handler run applied an older
// version after a newer one, or anything was lost (never applied, given up, dead-lettered).
//
//   node scripts/soak-ordering.mjs before            # today's behaviour: ordering off, MemoryQueue, concurrency 8,
//                                                    # 300 passports, flows in order (also with 20 % failing first runs)
//   node scripts/soak-ordering.mjs soak              # ordering + perEntity 1, 2 receivers + 2 workers,
//                                                    # BullMQQueue + RedisStore, then + PostgresStore
//   node scripts/soak-ordering.mjs unguarded         # the same deliveries with ordering: false (exit 1 expected:
//                                                    # it shows what the guard prevents)
//
// Environment: SOAK_PASSPORTS (300 for before, 1 000 for soak), SOAK_BACKENDS (redis,postgres), SOAK_SEED (1),
// REDIS_URL, DATABASE_URL.
import { runOrderingSoak } from "./soak-ordering-lib.mjs";

const what = process.argv[2] ?? "soak";
const seed = Number(process.env.SOAK_SEED ?? 1);
const redisUrl = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
const postgresUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const log = (m) => process.stderr.write(`[soak-ordering] ${m}\n`);
let failed = false;

if (what === "before") {
  const passports = Number(process.env.SOAK_PASSPORTS ?? 300);
  for (const handlerFailRate of [0, 0.2]) {
    const result = await runOrderingSoak({
      backend: "memory",
      mode: "in-order",
      passports,
      updates: 1,
      ordering: false,
      receivers: 1,
      workers: 1,
      concurrency: 8,
      handlerFailRate,
      senders: Number(process.env.SOAK_SENDERS ?? 4),
      seed,
      log,
    });
    process.stdout.write(`${JSON.stringify({ run: "before", handlerFailRate, ...result })}\n`);
  }
} else {
  const passports = Number(process.env.SOAK_PASSPORTS ?? 1_000);
  const guarded = what !== "unguarded";
  for (const backend of (process.env.SOAK_BACKENDS ?? "redis,postgres").split(",")) {
    const result = await runOrderingSoak({
      backend,
      mode: "soak",
      passports,
      updates: 3,
      ordering: guarded,
      perEntity: 1,
      receivers: 2,
      workers: 2,
      concurrency: 8,
      senderFailRate: 0.2,
      seed,
      redisUrl,
      postgresUrl,
      log,
    });
    const bad =
      result.passportsEndedOlder +
      result.olderAfterNewerRuns +
      result.passportsNeverApplied +
      result.deadLetters +
      result.sender.gaveUp;
    if (bad > 0) failed = true;
    process.stdout.write(`${JSON.stringify({ run: what, ok: bad === 0, ...result })}\n`);
  }
}
process.exit(failed ? 1 : 0);
