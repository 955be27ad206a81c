import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { DeadLetter, JobOutcome } from "@webhook-kit/core";
import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness } from "../support/bullmq.js";
import { type SharedPostgres, sharedPostgres } from "../support/postgres.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";

// `webhook-kit queue stats` and the reason in `dead-letters list`, as an operator runs them: the built
// binary against real Redis and PostgreSQL.

const CLI = fileURLToPath(new URL("../../packages/testing/dist/cli.js", import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: "1" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await sleep(25);
  }
}

let redis: SharedRedis;
let postgres: SharedPostgres;
beforeAll(async () => {
  if (!existsSync(CLI))
    throw new Error(`${CLI} is missing: run \`pnpm build\` first (the CLI tests spawn the built bin).`);
  [redis, postgres] = await Promise.all([sharedRedis(), sharedPostgres()]);
});
afterAll(async () => {
  await Promise.all([redis?.release(), postgres?.release()]);
});

describe.each([
  { label: "Redis", flag: "--redis", harness: () => redisHarness(redis.url), url: () => redis.url },
  {
    label: "PostgreSQL",
    flag: "--postgres",
    harness: () => postgresHarness(postgres.url),
    url: () => postgres.url,
  },
])("webhook-kit queue stats on $label", ({ flag, harness, url }) => {
  it("counts per state, the oldest waiting age, dead letters by reason; --json is stable; dead-letters list shows the reason", async () => {
    const h = harness();
    try {
      const outcomes: JobOutcome[] = [
        { status: "dead", error: "no handler for passport.deleted", done: [], reason: "no_handler" },
        { status: "dead", error: "payload does not match", done: [], reason: "invalid_payload" },
        { status: "dead", error: "no handler again", done: [], reason: "no_handler" },
      ];
      const byKey = new Map<string, JobOutcome>();
      for (const outcome of outcomes) {
        const d = delivery();
        byKey.set(d.key, outcome);
        await h.queue.enqueue(d);
      }
      const consumer = h.queue.consume(
        async (job) => byKey.get(job.delivery.key) ?? { status: "completed", done: [] },
        { concurrency: 2 },
      );
      await waitFor(async () => (await h.queue.status?.())?.deadLetters === 3);
      await consumer.close();
      const before = Date.now();
      await h.queue.enqueue(delivery());
      await h.queue.enqueue(delivery());
      await sleep(1_100);
      const base = [flag, url(), "--queue", h.name];

      const json = await run(["queue", "stats", ...base, "--json"]);
      expect(json.stderr).toBe("");
      expect(json.code).toBe(0);
      const stats = JSON.parse(json.stdout) as Record<string, unknown>;
      // The keys, in their order, are the contract scripts rely on.
      expect(Object.keys(stats)).toEqual([
        "queue",
        "paused",
        "waiting",
        "running",
        "delayed",
        "deadLetters",
        "oldestWaitingMs",
        "deadLettersByReason",
        "deadLettersCounted",
      ]);
      expect(stats).toMatchObject({
        queue: h.name,
        paused: false,
        waiting: 2,
        running: 0,
        delayed: 0,
        deadLetters: 3,
        deadLettersByReason: {
          attempts_exhausted: 0,
          invalid_payload: 1,
          undecodable: 0,
          no_handler: 2,
          wrong_endpoint: 0,
        },
        deadLettersCounted: 3,
      });
      expect(stats.oldestWaitingMs).toBeGreaterThanOrEqual(1_000);
      expect(stats.oldestWaitingMs).toBeLessThanOrEqual(Date.now() - before + 1_000);

      const human = await run(["queue", "stats", ...base]);
      expect(human.code).toBe(0);
      const lines = human.stdout.trimEnd().split("\n");
      expect(lines[0]).toBe(`queue "${h.name}" is running`);
      // Two columns: labels left-aligned, values right-aligned, so every row ends at one column.
      expect(new Set(lines.slice(1).map((row) => row.length)).size, human.stdout).toBe(1);
      const table = lines.slice(1).map((row) => {
        const [, label, value] = /^ {2}(.*?) +(\S+)$/.exec(row) ?? [];
        return [label, value];
      });
      expect(table.slice(0, 4)).toEqual([
        ["waiting", "2"],
        ["running", "0"],
        ["delayed", "0"],
        ["dead letters", "3"],
      ]);
      expect(table[4]?.[0]).toBe("oldest waiting");
      expect(table[4]?.[1]).toMatch(/^\d+s$/);
      // Reasons indented under the counts; those with no dead letter left out.
      expect(table.slice(5)).toEqual([
        ["  invalid_payload", "1"],
        ["  no_handler", "2"],
      ]);

      const list = await run(["dead-letters", "list", ...base]);
      expect(list.code).toBe(0);
      expect(list.stdout.match(/^ {2}reason no_handler$/gm)).toHaveLength(2);
      expect(list.stdout).toContain("  reason invalid_payload");
      const letters = JSON.parse(
        (await run(["dead-letters", "list", ...base, "--json"])).stdout,
      ) as DeadLetter[];
      expect(letters.map((l) => l.reason).sort()).toEqual(["invalid_payload", "no_handler", "no_handler"]);
    } finally {
      await h.close();
    }
  }, 60_000);

  it("a queue name that does not exist exits 2 and lists the ones that do", async () => {
    const h = harness();
    try {
      await h.queue.enqueue(delivery()); // the producer writes the queue's meta record: it exists now
      const wrong = `${h.name}-typo`;
      const res = await run(["queue", "stats", flag, url(), "--queue", wrong]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`no queue "${wrong}"`);
      expect(res.stderr).toContain(h.name);
      const json = await run(["queue", "stats", flag, url(), "--queue", wrong, "--json"]);
      expect(json.code).toBe(2);
      const answer = JSON.parse(json.stdout) as { error: string; queues: string[] };
      expect(answer.error).toBe("no_such_queue");
      expect(answer.queues).toContain(h.name);
    } finally {
      await h.close();
    }
  }, 60_000);
});
