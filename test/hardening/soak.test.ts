import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runScript } from "../support/script.js";

// Runs both soak scripts in a reduced size and checks their summaries. The full size (`pnpm soak`:
// 50 000 deliveries, 1 000 000 ids) is run by hand; the scripts use the BUILT packages.

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILT = ["packages/core/dist/index.js", "packages/core/dist/node.js", "packages/redis/dist/index.js"];

describe("soak scripts (reduced size)", () => {
  beforeAll(() => {
    const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
    if (missing.length > 0) {
      throw new Error(
        `The soak scripts run the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`,
      );
    }
  });

  it("scripts/soak.mjs: 3 000 deliveries, 30 % duplicates, 5 % handler failures, Redis SIGKILL + restart: 0 lost, 0 twice", {
    timeout: 120_000,
  }, async () => {
    const { code, summary, stderr } = await runScript(["scripts/soak.mjs"], {
      SOAK_DELIVERIES: "3000",
      SOAK_CONCURRENCY: "32",
    });
    console.info(`[soak] ${JSON.stringify(summary)}`);
    expect(summary.ok, stderr.slice(-2000)).toBe(true);
    expect(code).toBe(0);
    expect(summary).toMatchObject({
      deliveries: 3000,
      events: 2100,
      duplicates: 900,
      gaveUp: 0,
      unexpected: [],
    });
    const ledger = summary.ledger as Record<string, number>;
    expect(ledger).toEqual({ distinctEventsProcessed: 2100, lost: 0, processedTwice: 0, strays: 0 });
    expect(summary.acknowledgedDeliveries).toBe(3000);
    const runs = summary.handlerRuns as Record<string, number>;
    expect(runs.ok).toBe(2100);
    expect(runs.failedOnPurpose).toBeGreaterThan(0); // the transient failures really happened and were retried
    const statuses = summary.statuses as Record<string, number>;
    expect(statuses["503"] ?? 0, "Redis was really down for a while").toBeGreaterThan(0);
    expect(statuses["500"] ?? 0).toBe(runs.failedOnPurpose);
    const redis = summary.redis as {
      keysAfterRun: Record<string, number>;
      first2xxAfterRestartMs: number | null;
    };
    // Completed keys survived the SIGKILL (AOF, fsync always): all 2 100 remembered, none left in progress.
    expect(redis.keysAfterRun).toEqual({ completed: 2100, inProgress: 0, other: 0 });
    expect(redis.first2xxAfterRestartMs).not.toBeNull();
  });

  it("negative control: with a per-process MemoryStore the same ledger reports doubles and the soak exits 1", {
    timeout: 120_000,
  }, async () => {
    const { code, summary } = await runScript(["scripts/soak.mjs"], {
      SOAK_DELIVERIES: "1000",
      SOAK_CONCURRENCY: "32",
      SOAK_RECEIVER_STORE: "memory",
    });
    const ledger = summary.ledger as Record<string, number>;
    console.info(`[soak negative control] ${JSON.stringify(ledger)}`);
    expect(summary.ok).toBe(false);
    expect(code).toBe(1);
    expect(ledger.processedTwice).toBeGreaterThan(0);
    expect(ledger.lost).toBe(0);
  });

  it("scripts/soak-memory.mjs: 200 000 distinct ids, maxEntries 100 000: the bound holds and the heap stays flat", {
    timeout: 120_000,
  }, async () => {
    const { code, summary, stderr } = await runScript(["--expose-gc", "scripts/soak-memory.mjs"], {
      SOAK_IDS: "200000",
      SOAK_SAMPLE_EVERY: "25000",
    });
    console.info(`[soak-memory] ${JSON.stringify({ ...summary, samples: undefined })}`);
    expect(summary.violations, stderr.slice(-2000)).toEqual([]);
    expect(summary.ok).toBe(true);
    expect(code).toBe(0);
    expect(summary).toMatchObject({
      ids: 200_000,
      maxEntries: 100_000,
      maxStoreSize: 100_000,
      finalStoreSize: 100_000,
      recentDuplicate: true,
      oldestForgotten: true,
      statuses: { 200: 200_000 },
    });
    const samples = summary.samples as { storeSize: number; heapUsedMB: number }[];
    for (const s of samples) expect(s.storeSize).toBeLessThanOrEqual(100_000);
    expect(samples.filter((s) => s.storeSize === 100_000).length).toBeGreaterThanOrEqual(4);
    expect(summary.heapGrowthAfterFullMB as number).toBeLessThan(32);
  });
});
