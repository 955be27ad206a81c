import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runScript } from "../support/script.js";

// scripts/soak-durable.mjs in a reduced size, on Redis and on PostgreSQL. The full size (`pnpm soak`: 50 000
// deliveries) is run by hand; the script uses the BUILT packages.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILT = ["core", "bullmq", "redis", "postgres"].map((p) => `packages/${p}/dist/index.js`);

interface Summary {
  ok: boolean;
  acknowledged: number;
  driftedEvents: number;
  workerKills: number;
  http: { statuses: Record<string, number> };
  handlerRuns: { ok: number; failedOnPurpose: number; unrequested: number; progressWritesFailed: number };
  deadLetters: { total: number; drifted: number; other: number; unreported: number; afterReplay: number };
  ledger: {
    lost: number;
    doubles: {
      cutBySigkill: number;
      progressWriteFailed: number;
      afterRecorded: number;
      overlapping: number;
      unexplained: number;
    };
  };
  outage: { first2xxAfterRestartMs: number | null };
  rolling?: { deploys: number; replaced: number; exitedInGrace: number; sigkilled: number };
}

/** What every soak run must show, whatever its mode: none lost, every double explained, the fix replayed. */
function expectSound(summary: Summary, deliveries: number): void {
  expect(summary.acknowledged).toBe(deliveries);
  expect(summary.ledger.lost).toBe(0);
  expect(summary.ledger.doubles.unexplained).toBe(0);
  expect(summary.ledger.doubles.afterRecorded).toBe(0);
  expect(summary.ledger.doubles.overlapping).toBe(0);
  expect(summary.handlerRuns.unrequested, "core asked to record every success").toBe(0);
  expect(summary.deadLetters.other, "no dead letter but the drifted ones").toBe(0);
  expect(summary.deadLetters.unreported, "every dead letter reached onError").toBe(0);
  expect(summary.deadLetters.drifted).toBe(summary.driftedEvents);
  expect(summary.driftedEvents).toBeGreaterThan(0);
  expect(summary.deadLetters.afterReplay).toBe(0);
}

describe("durable dispatch soak (reduced size): receivers, workers, SIGKILLs, an outage, schema drift", () => {
  beforeAll(() => {
    const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
    if (missing.length > 0)
      throw new Error(
        `The soak runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`,
      );
  });

  for (const [backend, deliveries] of [
    ["redis", 2_000],
    ["postgres", 800],
  ] as const) {
    it(`${backend}: ${deliveries} deliveries, 30 % duplicates — 0 lost, no unexplained double, drifted events parked then replayed`, {
      timeout: 240_000,
    }, async () => {
      const {
        code,
        summary: raw,
        stderr,
      } = await runScript(["scripts/soak-durable.mjs"], {
        SOAK_BACKEND: backend,
        SOAK_DELIVERIES: String(deliveries),
        SOAK_CONCURRENCY: "24",
        SOAK_DRIFT_EVERY: "50",
        SOAK_WORKER_KILL_MS: "1500",
      });
      const summary = raw as unknown as Summary;
      console.info(`[soak-durable ${backend}] ${JSON.stringify(summary)}`);
      expectSound(summary, deliveries);
      expect(summary.ok, stderr.slice(-3000)).toBe(true);
      expect(code).toBe(0);
      expect(summary.workerKills, "workers were really SIGKILLed").toBeGreaterThan(0);
      expect(summary.handlerRuns.failedOnPurpose).toBeGreaterThan(0);
      expect(summary.http.statuses["503"] ?? 0, "the server was really down for a while").toBeGreaterThan(0);
      expect(summary.outage.first2xxAfterRestartMs).not.toBeNull();
    });
  }

  // Rolling deploys (the full size, 20 000 deliveries and 20 deploys, is run by hand: see docs/durable.md).
  it("redis, rolling deploys: 1 500 deliveries, handlers of 0–3 s, 3 deploys of two workers (SIGTERM, 1 s grace, SIGKILL) — 0 lost, doubles only where a SIGKILL cut a handler", {
    timeout: 240_000,
  }, async () => {
    const deliveries = 1_500;
    const {
      code,
      summary: raw,
      stderr,
    } = await runScript(["scripts/soak-durable.mjs"], {
      SOAK_BACKEND: "redis",
      SOAK_MODE: "rolling",
      SOAK_DELIVERIES: String(deliveries),
      SOAK_CONCURRENCY: "24",
      SOAK_DRIFT_EVERY: "50",
      SOAK_ROLLS: "3",
      SOAK_ROLL_EVERY_MS: "2000",
    });
    const summary = raw as unknown as Summary;
    console.info(`[soak-durable rolling] ${JSON.stringify(summary)}`);
    expectSound(summary, deliveries);
    expect(summary.ok, stderr.slice(-3000)).toBe(true);
    expect(code).toBe(0);
    expect(summary.rolling?.deploys).toBe(3);
    expect(summary.rolling?.replaced).toBe(6);
  });
});
