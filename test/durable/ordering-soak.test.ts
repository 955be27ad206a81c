import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { runScript } from "../support/script.js";

// scripts/soak-ordering.mjs in a reduced size: EUlabel passport flows, every delivery twice, shuffled, 20 % of
// first sends answered 500 and retried later; two receivers and two workers (perEntity: 1). The full size
// (1 000 passports) is run by hand; the script uses the BUILT packages.
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const BUILT = ["core", "bullmq", "redis", "postgres"].map((p) => `packages/${p}/dist/index.js`);

interface Summary {
  ok: boolean;
  passports: number;
  olderAfterNewerRuns: number;
  passportsEndedOlder: number;
  passportsNeverApplied: number;
  staleSkipped: number;
  deadLetters: number;
  sender: { gaveUp: number; statuses: Record<string, number> };
}

describe("out-of-order soak (reduced size): the stale-event guard and one job per entity", () => {
  beforeAll(() => {
    const missing = BUILT.filter((file) => !existsSync(path.join(ROOT, file)));
    if (missing.length > 0)
      throw new Error(
        `The soak runs the built packages; missing ${missing.join(", ")}. Run \`pnpm build\` first.`,
      );
  });

  for (const backend of ["memory", "redis", "postgres"]) {
    it(`${backend}: every passport ends at its last version, no older version applied after a newer one, nothing lost`, async () => {
      const run = await runScript(["scripts/soak-ordering.mjs", "soak"], {
        SOAK_PASSPORTS: "40",
        SOAK_BACKENDS: backend,
      });
      const summary = run.summary as unknown as Summary;
      expect(summary.passports, run.stderr).toBe(40);
      expect(summary.passportsEndedOlder).toBe(0);
      expect(summary.olderAfterNewerRuns).toBe(0);
      expect(summary.passportsNeverApplied).toBe(0);
      expect(summary.deadLetters).toBe(0);
      expect(summary.sender.gaveUp).toBe(0);
      // The scenario really was out of order: stale copies were met and skipped, first sends did fail.
      expect(summary.staleSkipped).toBeGreaterThan(0);
      expect(summary.sender.statuses["500"]).toBeGreaterThan(0);
      expect(run.code).toBe(0);
    }, 180_000);
  }

  it("the same deliveries without the guard do apply older versions (so the runs above can fail)", async () => {
    const run = await runScript(["scripts/soak-ordering.mjs", "unguarded"], {
      SOAK_PASSPORTS: "40",
      SOAK_BACKENDS: "memory",
    });
    const summary = run.summary as unknown as Summary;
    expect(summary.olderAfterNewerRuns, run.stderr).toBeGreaterThan(0);
    expect(run.code).toBe(1);
  }, 180_000);
});
