import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BullMQQueue, BullMQQueueError } from "@webhook-kit/bullmq";
import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness, testQueueOptions } from "./support/bullmq.js";
import { type SharedPostgres, sharedPostgres, startPrivatePostgres } from "./support/postgres.js";
import { freePort, type SharedRedis, sharedRedis, startPrivateRedis } from "./support/redis.js";

// Real faults on real servers: a worker process SIGKILLed mid-job, a poison job that kills every worker,
// the server gone when a receiver enqueues.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKER = path.join(ROOT, "test/fixtures/bullmq-worker/worker.mjs");
const BUILT = path.join(ROOT, "packages/bullmq/dist/index.js");

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface WorkerProcess {
  child: ChildProcess;
  output: { text: string };
  exited: Promise<void>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
});

async function startWorker(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  const output = { text: "" };
  child.stdout?.on("data", (c: Buffer) => (output.text += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output.text += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitFor(() => output.text.includes("READY") || child.exitCode !== null);
  return { child, output, exited };
}

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
  if (!existsSync(BUILT))
    throw new Error(
      `${BUILT} is missing: run \`pnpm build\` first (the worker processes use the built dist).`,
    );
  [redis, postgres] = await Promise.all([sharedRedis(), sharedPostgres()]);
});
afterAll(async () => {
  await Promise.all([redis?.release(), postgres?.release()]);
});

const backends = [
  { label: "Redis", backend: "redis", harness: () => redisHarness(redis.url), url: () => redis.url },
  {
    label: "PostgreSQL",
    backend: "postgres",
    harness: () => postgresHarness(postgres.url),
    url: () => postgres.url,
  },
] as const;

describe.each(backends)("BullMQQueue on $label: worker crashes", ({ backend, harness, url }) => {
  it("a worker SIGKILLed mid-job: another worker takes the job back and finishes it, progress kept", async () => {
    const h = harness();
    try {
      const d = delivery();
      expect(await h.queue.enqueue(d)).toBe("queued");
      const env = { QUEUE_BACKEND: backend, QUEUE_URL: url(), QUEUE_NAME: h.name };
      const first = await startWorker({ ...env, MODE: "hang" });
      await waitFor(() => first.output.text.includes(`STARTED ${d.key} 1`));
      first.child.kill("SIGKILL");
      await first.exited;

      const second = await startWorker({ ...env, MODE: "complete" });
      await waitFor(() => second.output.text.includes(`RAN ${d.key}`));
      // The crashed run stored no outcome: same attempt, and the handler it had finished is not run again.
      expect(second.output.text).toContain(`RAN ${d.key} 1 ["a"]`);
      await waitFor(async () => (await h.queue.enqueue(d)) === "duplicate");
      expect(await h.queue.listDeadLetters()).toEqual([]);
      second.child.kill("SIGTERM");
      await second.exited;
      expect(second.output.text.match(/RAN /g)).toHaveLength(1);
    } finally {
      await h.close();
    }
  }, 60_000);

  it("a poison job that kills every worker ends as a dead letter after maxStalledCount, not in a loop", async () => {
    const h = harness();
    try {
      const d = delivery();
      await h.queue.enqueue(d);
      const env = { QUEUE_BACKEND: backend, QUEUE_URL: url(), QUEUE_NAME: h.name, MODE: "die" };
      let deaths = 0;
      // A supervisor restarting the worker, as systemd or Kubernetes would, until the job is parked.
      await waitFor(async () => {
        if ((await h.queue.listDeadLetters()).length === 1) return true;
        const worker = await startWorker(env);
        await Promise.race([worker.exited, sleep(3_000)]);
        if (worker.child.signalCode === "SIGKILL") deaths += 1;
        else worker.child.kill("SIGKILL");
        return false;
      }, 45_000);
      const [letter] = await h.queue.listDeadLetters();
      expect(letter?.key).toBe(d.key);
      expect(letter?.error).toMatch(/stalled/);
      // maxStalledCount 1 in the fixture: the first crash is forgiven, the second parks the job.
      expect(deaths).toBe(2);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe("BullMQQueue: the server is down when a receiver enqueues", () => {
  it("Redis killed: enqueue rejects at once (no offline buffering), and works again once Redis is back", async () => {
    const own = await startPrivateRedis();
    const queue = new BullMQQueue({ connection: own.url, name: "down-test", ...testQueueOptions });
    try {
      const ran: string[] = [];
      const consumer = queue.consume(
        async (job) => {
          ran.push(job.delivery.key);
          return { status: "completed", done: [] };
        },
        { concurrency: 2 },
      );
      expect(await queue.enqueue(delivery())).toBe("queued");
      await waitFor(() => ran.length === 1);
      await own.kill();
      const started = Date.now();
      const error = await queue.enqueue(delivery()).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(error).toBeInstanceOf(BullMQQueueError);
      expect((error as BullMQQueueError).operation).toBe("enqueue");
      expect((error as BullMQQueueError).reason).toBe("unavailable");
      expect(elapsed).toBeLessThan(1_000);
      await own.start();
      const after = delivery();
      await waitFor(async () => (await queue.enqueue(after).catch(() => "down")) === "queued");
      // The worker that lived through the outage picks up new work without a restart.
      await waitFor(() => ran.includes(after.key), 30_000);
      await consumer.close();
    } finally {
      await queue.close();
      await own.stop();
    }
  }, 60_000);

  it("PostgreSQL killed: enqueue rejects within its timeout, and works again once PostgreSQL is back", async () => {
    const own = await startPrivatePostgres();
    const queue = new BullMQQueue({
      postgres: own.url,
      name: "pg-down",
      timeoutMs: 1_000,
      ...testQueueOptions,
    });
    try {
      const ran: string[] = [];
      const consumer = queue.consume(
        async (job) => {
          ran.push(job.delivery.key);
          return { status: "completed", done: [] };
        },
        { concurrency: 2 },
      );
      expect(await queue.enqueue(delivery())).toBe("queued");
      await waitFor(() => ran.length === 1);
      await own.kill();
      const error = await queue.enqueue(delivery()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BullMQQueueError);
      expect((error as BullMQQueueError).operation).toBe("enqueue");
      await own.start();
      const after = delivery();
      await waitFor(async () => (await queue.enqueue(after).catch(() => "down")) === "queued", 30_000);
      // The worker that lived through the outage picks up new work without a restart.
      await waitFor(() => ran.includes(after.key), 30_000);
      await consumer.close();
    } finally {
      await queue.close();
      await own.stop();
    }
  }, 90_000);

  it("Redis down from the start: enqueue rejects within its timeout, and the same queue works once Redis is up", async () => {
    const port = await freePort();
    const queue = new BullMQQueue({
      connection: `redis://127.0.0.1:${port}`,
      name: "down-from-start",
      timeoutMs: 1_000,
      ...testQueueOptions,
    });
    try {
      const error = await queue.enqueue(delivery()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BullMQQueueError);
      const own = await startPrivateRedis({ port });
      try {
        await waitFor(async () => (await queue.enqueue(delivery()).catch(() => "down")) === "queued");
      } finally {
        await queue.close();
        await own.stop();
      }
    } finally {
      await queue.close();
    }
  }, 60_000);

  it("PostgreSQL unreachable at start: enqueue rejects within its timeout, and the same queue works once it is up", async () => {
    const port = await freePort();
    const queue = new BullMQQueue({
      postgres: `postgres://postgres@127.0.0.1:${port}/test`,
      name: "pg-down-from-start",
      timeoutMs: 1_500,
      ...testQueueOptions,
    });
    try {
      const error = await queue.enqueue(delivery()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BullMQQueueError);
      const own = await startPrivatePostgres(port);
      try {
        await waitFor(async () => (await queue.enqueue(delivery()).catch(() => "down")) === "queued", 30_000);
      } finally {
        await queue.close();
        await own.stop();
      }
    } finally {
      await queue.close();
    }
  }, 90_000);

  it.each(["redis", "postgres"] as const)(
    "a worker started while %s is down starts working once it is up; close() while down returns",
    async (backend) => {
      const port = await freePort();
      const common = { name: "worker-down-from-start", ...testQueueOptions };
      const make = () =>
        backend === "postgres"
          ? new BullMQQueue({ postgres: `postgres://postgres@127.0.0.1:${port}/test`, ...common })
          : new BullMQQueue({ connection: `redis://127.0.0.1:${port}`, ...common });
      const queue = make();
      const idle = make();
      let runs = 0;
      const consumer = queue.consume(
        async () => {
          runs += 1;
          return { status: "completed", done: [] };
        },
        { concurrency: 1 },
      );
      // Nothing to connect to: a consumer that never got going still closes.
      const never = idle.consume(async () => ({ status: "completed", done: [] }), { concurrency: 1 });
      await sleep(1_500);
      await never.close();
      await idle.close();
      const own =
        backend === "postgres" ? await startPrivatePostgres(port) : await startPrivateRedis({ port });
      try {
        await waitFor(async () => (await queue.enqueue(delivery()).catch(() => "down")) === "queued", 30_000);
        await waitFor(() => runs === 1, 30_000);
      } finally {
        await consumer.close();
        await queue.close();
        await own.stop();
      }
    },
    90_000,
  );
});
