import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness } from "./support/bullmq.js";
import { type SharedPostgres, sharedPostgres } from "./support/postgres.js";
import { type SharedRedis, sharedRedis } from "./support/redis.js";

// `webhook-kit queue pause|resume|status` as an operator runs it: the built binary against real servers.

const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: "" } });
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
async function waitFor(probe: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
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
])("webhook-kit queue on $label", ({ flag, harness, url }) => {
  it("pause: workers start nothing while receivers keep queueing; status shows it; resume runs every job", async () => {
    const h = harness();
    try {
      const started: string[] = [];
      expect(await h.queue.enqueue(delivery())).toBe("queued");
      const consumer = h.queue.consume(
        async (job) => {
          started.push(job.delivery.key);
          return { status: "completed", done: [] };
        },
        { concurrency: 4 },
      );
      await waitFor(() => started.length === 1);
      const base = [flag, url(), "--queue", h.name];

      const paused = await run(["queue", "pause", ...base]);
      expect(paused.stderr).toBe("");
      expect(paused.code).toBe(0);
      expect(paused.stdout).toContain(`paused queue "${h.name}"`);
      const held = [delivery(), delivery(), delivery()];
      for (const d of held) expect(await h.peer.enqueue(d)).toBe("queued");
      await sleep(800);
      expect(started).toHaveLength(1);
      await waitFor(async () => (await h.queue.status?.())?.running === 0);

      const status = await run(["queue", "status", ...base, "--json"]);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toEqual({
        queue: h.name,
        paused: true,
        waiting: 3,
        running: 0,
        delayed: 0,
        deadLetters: 0,
      });
      const text = await run(["queue", "status", ...base]);
      expect(text.stdout).toContain(`queue "${h.name}" is paused`);
      expect(text.stdout).toContain("waiting 3  running 0  delayed 0  dead letters 0");

      const resumed = await run(["queue", "resume", ...base, "--json"]);
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout)).toMatchObject({ queue: h.name, paused: false });
      await waitFor(() => started.length === 4);
      expect(started.slice(1).sort()).toEqual(held.map((d) => d.key).sort());
      await consumer.close();
    } finally {
      await h.queue.resume?.().catch(() => {});
      await h.close();
    }
  }, 60_000);

  it("a queue that does not exist: exit 2, says so, lists the ones that do, and creates nothing", async () => {
    const h = harness();
    try {
      await h.queue.enqueue(delivery());
      const missing = `${h.name}-typo`;
      const res = await run(["queue", "pause", flag, url(), "--queue", missing]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`no queue "${missing}"`);
      expect(res.stderr).toContain(h.name);
      const json = await run(["queue", "status", flag, url(), "--queue", missing, "--json"]);
      expect(json.code).toBe(2);
      const answer = JSON.parse(json.stdout) as { error: string; queues: string[] };
      expect(answer.error).toBe("no_such_queue");
      expect(answer.queues).toContain(h.name);
      expect(answer.queues).not.toContain(missing);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe("webhook-kit queue: usage", () => {
  it.each([
    [["queue"], "queue needs an action: pause, resume, status or stats."],
    [["queue", "drain", "--redis", "redis://x", "--queue", "q"], 'Unknown queue action "drain"'],
    [["queue", "status", "--queue", "q"], "exactly one of --redis <url> or --postgres <url>"],
    [["queue", "status", "--redis", "redis://a"], "needs --queue <name>"],
    [["queue", "status", "--redis", "redis://a", "--queue", "q", "extra"], "Unexpected argument: extra"],
  ])("%j exits 2: %s", async (args, message) => {
    const res = await run(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
    const json = await run([...args, "--json"]);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: "usage" });
  });

  it.each([
    ["redis", "--redis", "redis://127.0.0.1:1"],
    ["postgres", "--postgres", "postgres://postgres@127.0.0.1:1/test"],
  ])(
    "an unreachable %s exits 1, saying so as dead-letters does, within a bounded time",
    async (backend, flag, url) => {
      const res = await run(["queue", "status", flag, url, "--queue", "q"]);
      expect(res.code).toBe(1);
      expect(res.stderr).toMatch(
        new RegExp(`error: status: no answer from ${backend} within 5000 ms; check that it is reachable`),
      );
      expect(res.stderr).not.toMatch(/Connection is closed/);
      const json = await run(["queue", "status", flag, url, "--queue", "q", "--json"]);
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: "queue_error" });
    },
    60_000,
  );

  it.each([
    [
      "queue",
      "--redis",
      "notaurl",
      "--redis must be a redis:// or rediss:// URL, e.g. --redis redis://127.0.0.1:6379",
    ],
    ["queue", "--redis", "http://u:hunter2@127.0.0.1:6379", "--redis must be a redis:// or rediss:// URL"],
    [
      "queue",
      "--postgres",
      "notaurl",
      "--postgres must be a postgres:// or postgresql:// connection string, e.g. --postgres postgres://user@127.0.0.1:5432/app",
    ],
    ["dead-letters", "--redis", "notaurl", "--redis must be a redis:// or rediss:// URL"],
    ["dead-letters", "--postgres", "notaurl", "--postgres must be a postgres:// or postgresql://"],
  ])(
    "%s %s %s is a usage error (exit 2) giving the expected form",
    async (command, flag, value, message) => {
      const action = command === "queue" ? "status" : "list";
      const res = await run([command, action, flag, value, "--queue", "q"]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(message);
      expect(res.stderr).not.toContain("hunter2");
    },
    30_000,
  );
});
