import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { BullMQQueue, BullMQQueueError, jobIdFromKey } from "@webhook-kit/bullmq";
import {
  type CallDeadline,
  createReceiver,
  MemoryStore,
  type QueuedDelivery,
  type QueueReport,
} from "@webhook-kit/core";
import { sampleDelivery as delivery, sampleDelivery } from "@webhook-kit/testing/conformance";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness, testQueueOptions } from "./support/bullmq.js";
import { eulabel, passportEvent, SECRET, signedDelivery } from "./support/deliveries.js";
import { type SharedPostgres, sharedPostgres, startPrivatePostgres } from "./support/postgres.js";
import { freePort, type SharedRedis, sharedRedis, startPrivateRedis } from "./support/redis.js";

// Real faults on real servers: a worker process SIGKILLed mid-job, a poison job that kills every worker,
// the server gone when a receiver enqueues.

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKER = path.join(ROOT, "test/fixtures/bullmq-worker/worker.mjs");
const RECEIVER_WORKER = path.join(ROOT, "test/fixtures/bullmq-worker/receiver-worker.mjs");
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

const startReceiverWorker = (env: Record<string, string>) => startWorker(env, RECEIVER_WORKER);

async function startWorker(env: Record<string, string>, script = WORKER): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [script], {
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
});

// The real worker policy (receiver.work() in a child process): a run cut by SIGKILL is a failed attempt,
// retried with backoff, reported each time; the last one parks a reported dead letter; a replay starts clean.
describe.each(backends)(
  "BullMQQueue on $label: receiver.work() killed mid-handler",
  ({ backend, harness, url }) => {
    /** Sends one signed delivery through a receiver on this queue; resolves with its key. */
    const send = async (h: ReturnType<typeof harness>) => {
      let key = "";
      const queue = Object.assign(Object.create(h.peer) as BullMQQueue, {
        enqueue: (d: QueuedDelivery, o?: CallDeadline) => {
          key = d.key;
          return h.peer.enqueue(d, o);
        },
      });
      const receiver = createReceiver({ provider: eulabel(), queue, logger: false });
      const { body, headers } = await signedDelivery(passportEvent("passport.published"));
      const res = await receiver.handle({ method: "POST", headers, rawBody: body });
      expect(res.status).toBe(202);
      return key;
    };
    const storedDone = async (h: ReturnType<typeof harness>, key: string) => {
      const data = (await h.peek(key)) as { done?: string[] } | undefined;
      return data?.done ?? [];
    };
    const env = (h: ReturnType<typeof harness>, mode: string, attempts: number) => ({
      QUEUE_BACKEND: backend,
      QUEUE_URL: url(),
      QUEUE_NAME: h.name,
      SECRET,
      MODE: mode,
      ATTEMPTS: String(attempts),
    });
    /** Starts a hanging worker, waits until handler b hangs on this key, and SIGKILLs it. */
    const cut = async (h: ReturnType<typeof harness>, key: string, attempts: number, outputs: string[]) => {
      const worker = await startReceiverWorker(env(h, "hang", attempts));
      children.push(worker.child);
      await waitFor(() => worker.output.text.includes(`STARTED ${key}`), 30_000);
      // Handler a's success is recorded by the worker itself while b still runs.
      await waitFor(async () => (await storedDone(h, key)).includes("a"), 10_000);
      worker.child.kill("SIGKILL");
      await worker.exited;
      outputs.push(worker.output.text);
    };
    const count = (outputs: string[], pattern: RegExp) =>
      outputs.reduce((n, text) => n + (text.match(pattern) ?? []).length, 0);

    it("killed 3 times, then a healthy worker: b runs, a ran once, every cut reported, no dead letter", async () => {
      const h = harness();
      try {
        const key = await send(h);
        const outputs: string[] = [];
        for (let i = 0; i < 3; i++) await cut(h, key, 10, outputs);
        const healthy = await startReceiverWorker(env(h, "complete", 10));
        await waitFor(() => healthy.output.text.includes(`RAN ${key}`), 30_000);
        await waitFor(async () => (await h.queue.enqueue(sampleDelivery({ key }))) === "duplicate");
        healthy.child.kill("SIGTERM");
        await healthy.exited;
        outputs.push(healthy.output.text);
        // Three cut runs were three failed attempts: the run that finished is the fourth.
        expect(healthy.output.text).toContain(`RAN ${key} 4`);
        expect(count(outputs, /^A /gm)).toBe(1);
        expect(count(outputs, /^ONERROR worker_interrupted /gm)).toBe(3);
        expect(count(outputs, /^LOG warn .*was cut/gm)).toBe(3);
        expect(count(outputs, /^ONERROR dead_letter/gm)).toBe(0);
        expect(await h.queue.listDeadLetters()).toEqual([]);
      } finally {
        await h.close();
      }
    }, 120_000);

    it("cut on its last attempt: a reported dead letter; replayed, one more cut does not park it at once", async () => {
      const h = harness();
      try {
        const key = await send(h);
        const outputs: string[] = [];
        await cut(h, key, 2, outputs);
        await cut(h, key, 2, outputs);
        const judge = await startReceiverWorker(env(h, "complete", 2));
        await waitFor(async () => (await h.queue.listDeadLetters()).length === 1, 30_000);
        await waitFor(() => /^ONERROR dead_letter /m.test(judge.output.text));
        judge.child.kill("SIGTERM");
        await judge.exited;
        expect(judge.output.text).not.toContain("RAN ");
        expect(judge.output.text).toMatch(/^LOG (warn|error) .*Gave up after 2 attempt/m);
        const [letter] = await h.queue.listDeadLetters();
        expect(letter).toMatchObject({ key, attempts: 2, done: ["a"] });
        expect(letter?.error).toMatch(/cut/);

        expect(await h.queue.replayDeadLetter(key)).toBe(true);
        const after: string[] = [];
        await cut(h, key, 2, after);
        expect(after.join("")).toContain(`STARTED ${key} 1`);
        const healthy = await startReceiverWorker(env(h, "complete", 2));
        await waitFor(() => healthy.output.text.includes(`RAN ${key} 2`), 30_000);
        healthy.child.kill("SIGTERM");
        await healthy.exited;
        expect(healthy.output.text).not.toMatch(/^ONERROR dead_letter/m);
        expect(await h.queue.listDeadLetters()).toEqual([]);
      } finally {
        await h.close();
      }
    }, 120_000);
  },
);

describe("BullMQQueue on Redis: a job BullMQ fails by itself", () => {
  it("is reported (ConsumeOptions.report), never parked silently", async () => {
    const h = redisHarness(redis.url);
    const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
    const raw = new Queue(h.name, { connection });
    try {
      const d = delivery();
      const id = jobIdFromKey(d.key);
      // One BullMQ attempt, so the first outcome that cannot be stored fails the job (ours get 10).
      const data = { v: 1, nonce: "n", delivery: d, attempt: 1, done: [], stallsSeen: 0 };
      await raw.add("x", data, { jobId: id, attempts: 1, removeOnFail: false });
      const reports: QueueReport[] = [];
      const consumer = h.queue.consume(
        async () => {
          // As if this run lost its lock and another took the job: its outcome is refused.
          await connection.hincrby(`bull:${h.name}:${id}`, "stc", 1);
          return { status: "retry", delayMs: 0, error: "handler failed", done: [] };
        },
        { concurrency: 1, report: (r) => reports.push(r) },
      );
      await waitFor(() => reports.length > 0);
      await consumer.close();
      expect(reports).toEqual([
        { kind: "dead_letter", key: d.key, error: expect.stringMatching(/could not be stored/) },
      ]);
      expect((await h.queue.listDeadLetters()).map((l) => l.key)).toEqual([d.key]);
    } finally {
      await raw.close();
      connection.disconnect();
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

  it("a 503 after an enqueue timeout means not confirmed, not not queued: the write may land later, the retry is a duplicate, one run", async () => {
    const own = await startPrivateRedis();
    const queue = new BullMQQueue({ connection: own.url, name: "paused-write", ...testQueueOptions });
    const admin = new Redis(own.url);
    try {
      const receiver = createReceiver({
        provider: eulabel(),
        queue,
        store: new MemoryStore(),
        queueTimeoutMs: 300,
        logger: false,
      });
      const ran: string[] = [];
      receiver.on("passport.published", (event) => {
        ran.push(event.id);
      });
      const warm = await signedDelivery(passportEvent("passport.published"));
      expect(
        (await receiver.handle({ method: "POST", headers: warm.headers, rawBody: warm.body })).status,
      ).toBe(202);
      const { body, headers } = await signedDelivery(passportEvent("passport.published"));
      // Redis holds every write for 2 s: the enqueue is sent, then not confirmed in time.
      await admin.call("CLIENT", "PAUSE", "2000", "WRITE");
      const first = await receiver.handle({ method: "POST", headers, rawBody: body });
      expect(first.status).toBe(503);
      // Once Redis resumes, the write that was in flight lands: the sender's retry finds the job.
      let retry = first;
      await waitFor(async () => {
        retry = await receiver.handle({ method: "POST", headers, rawBody: body });
        return retry.status !== 503;
      });
      expect(retry.status).toBe(200);
      expect(JSON.parse(retry.body)).toEqual({ received: true, duplicate: true });
      const worker = receiver.work({ concurrency: 2 });
      await waitFor(() => ran.length === 2);
      await sleep(500);
      await worker.close();
      expect(ran).toHaveLength(2);
    } finally {
      admin.disconnect();
      await queue.close();
      await own.stop();
    }
  }, 60_000);

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
