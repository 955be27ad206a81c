import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// The suites as a product: what a third party gets from @webhook-kit/testing/conformance (the BUILT package,
// run by vitest in a child process exactly as in their project) must tell a right store from a wrong one.
const root = fileURLToPath(new URL("..", import.meta.url));
const fixture = path.join(root, "test/fixtures/conformance-product");

interface Report {
  testResults: { assertionResults: { ancestorTitles: string[]; title: string; status: string }[] }[];
}

function runSuites(): Promise<{ code: number; report: Report }> {
  const dir = mkdtempSync(path.join(tmpdir(), "conformance-product-"));
  const out = path.join(dir, "report.json");
  const args = [
    path.join(root, "node_modules/vitest/vitest.mjs"),
    "run",
    "--config",
    path.join(fixture, "vitest.config.ts"),
    "--reporter=json",
    `--outputFile=${out}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { cwd: root, timeout: 120_000 }, (error) => {
      try {
        const report = JSON.parse(readFileSync(out, "utf8")) as Report;
        resolve({ code: typeof error?.code === "number" ? error.code : 0, report });
      } catch (cause) {
        reject(cause);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe("@webhook-kit/testing/conformance, published", () => {
  it("passes the reference store and fails each deliberately wrong store on the rows it breaks", async () => {
    const { code, report } = await runSuites();
    const results = report.testResults.flatMap((file) => file.assertionResults);
    const failed = (store: string) =>
      results
        .filter((r) => r.ancestorTitles.includes(`IdempotencyStore conformance: ${store}`))
        .filter((r) => r.status === "failed")
        .map((r) => r.title);
    expect(code).not.toBe(0);
    expect(results.filter((r) => r.ancestorTitles[0]?.endsWith(": MemoryStore")).length).toBeGreaterThan(10);
    expect(failed("MemoryStore")).toEqual([]);
    expect(failed("TokenBlindStore")).toEqual(
      expect.arrayContaining([
        "a token that was never issued owns nothing",
        "release forgets a failed attempt: the next claim runs it again, and the old token is dead",
      ]),
    );
    // It extends MemoryStore, so it has ping and the version calls too, and ignores their deadlines as well:
    // a store that claims `honoursDeadline` must refuse a passed deadline everywhere, ping included.
    expect(failed("DeadlineLiarStore")).toEqual([
      "ping() (optional): resolves on a working store, changes no claim, and refuses a passed deadline",
      "a call whose deadline has passed starts nothing: it rejects and the key stays free",
      "versions: a call whose deadline has passed starts nothing",
    ]);
  }, 150_000);

  it("the main entry never imports vitest; the conformance entry does, as an optional peer", () => {
    const dist = (file: string) => readFileSync(path.join(root, "packages/testing/dist", file), "utf8");
    for (const file of ["index.js", "index.cjs"]) expect(dist(file)).not.toMatch(/["']vitest["']/);
    for (const file of ["conformance.js", "conformance.cjs"]) expect(dist(file)).toMatch(/["']vitest["']/);
    const manifest = JSON.parse(readFileSync(path.join(root, "packages/testing/package.json"), "utf8"));
    expect(manifest.peerDependenciesMeta.vitest).toEqual({ optional: true });
    expect(manifest.dependencies.vitest).toBeUndefined();
  });
});
