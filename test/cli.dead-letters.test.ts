import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DeadLetter, QueuedDelivery } from "@webhook-kit/core";
import { sampleDelivery as delivery } from "@webhook-kit/testing/conformance";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postgresHarness, redisHarness } from "./support/bullmq.js";
import { type SharedPostgres, sharedPostgres } from "./support/postgres.js";
import { freePort, type SharedRedis, sharedRedis } from "./support/redis.js";

// `webhook-kit dead-letters` as a user runs it: the built binary against a real Redis and PostgreSQL.

const CLI = fileURLToPath(new URL("../packages/testing/dist/cli.js", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], cli = CLI, cwd?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      env: { ...process.env, NO_COLOR: "" },
      ...(cwd ? { cwd } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end();
  });
}

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
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

const backends = [
  { label: "Redis", flag: "--redis", harness: () => redisHarness(redis.url), url: () => redis.url },
  {
    label: "PostgreSQL",
    flag: "--postgres",
    harness: () => postgresHarness(postgres.url),
    url: () => postgres.url,
  },
] as const;

describe.each(backends)("webhook-kit dead-letters on $label", ({ flag, harness, url }) => {
  /** A queue holding two dead letters: one with schema issues, one whose handlers partly ran. */
  async function withDeadLetters(
    test: (h: ReturnType<typeof harness>, d: [QueuedDelivery, QueuedDelivery]) => Promise<void>,
  ) {
    const h = harness();
    const parked = delivery({ type: "passport.deleted" });
    const failed = delivery();
    try {
      await h.queue.enqueue(parked);
      await h.queue.enqueue(failed);
      const consumer = h.queue.consume(
        async (job) =>
          job.delivery.key === parked.key
            ? {
                status: "dead",
                error: "payload does not match the schema",
                done: [],
                issues: [{ path: "gtin", message: "Required" }],
              }
            : { status: "dead", error: "handler notify failed: 502 from crm", done: ["audit"] },
        { concurrency: 2 },
      );
      await waitFor(async () => (await h.queue.listDeadLetters()).length === 2);
      await consumer.close();
      await test(h, [parked, failed]);
    } finally {
      await h.close();
    }
  }

  it("list: type, key, attempts, last error, age, done and issues; --json gives the records", async () => {
    await withDeadLetters(async (h, [parked, failed]) => {
      const res = await run(["dead-letters", "list", flag, url(), "--queue", h.name]);
      expect(res.stderr).toBe("");
      expect(res.code).toBe(0);
      expect(res.stdout).toContain(`2 dead letters in queue "${h.name}"`);
      for (const d of [parked, failed]) {
        expect(res.stdout).toContain(d.type);
        expect(res.stdout).toContain(`key    ${d.key}`);
      }
      expect(res.stdout).toMatch(/eulabel {2}1 attempt {2}failed \d+s ago/);
      expect(res.stdout).toContain("error  payload does not match the schema");
      expect(res.stdout).toContain("issue  gtin: Required");
      expect(res.stdout).toContain("error  handler notify failed: 502 from crm");
      expect(res.stdout).toContain("done   audit");
      // Never the payload.
      expect(res.stdout).not.toContain(parked.body);

      const json = await run(["dead-letters", "list", flag, url(), "--queue", h.name, "--json"]);
      expect(json.code).toBe(0);
      const letters = JSON.parse(json.stdout) as DeadLetter[];
      expect(letters.map((l) => l.key).sort()).toEqual([parked.key, failed.key].sort());
      expect(letters.find((l) => l.key === parked.key)?.issues).toEqual([
        { path: "gtin", message: "Required" },
      ]);

      const limited = await run([
        "dead-letters",
        "list",
        flag,
        url(),
        "--queue",
        h.name,
        "--json",
        "--limit",
        "1",
      ]);
      expect(JSON.parse(limited.stdout)).toHaveLength(1);
    });
  }, 60_000);

  it("replay puts one back on the queue; remove forgets one; an unknown key exits 2 with a message", async () => {
    await withDeadLetters(async (h, [parked, failed]) => {
      const base = [flag, url(), "--queue", h.name];
      const replayed = await run(["dead-letters", "replay", parked.key, ...base]);
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain(`replayed ${parked.key}`);
      // No promise the kit cannot keep: only handlers with the same id in this deploy are skipped.
      expect(replayed.stdout).toContain("only where this deploy has them under the same id");
      const removed = await run(["dead-letters", "remove", failed.key, ...base]);
      expect(removed.code).toBe(0);
      expect(removed.stdout).toContain(`removed ${failed.key}`);
      expect(await h.queue.listDeadLetters()).toEqual([]);
      // The replayed one waits for a worker; the removed one is gone for good.
      expect(await h.queue.enqueue(parked)).toBe("duplicate");
      expect(await h.queue.enqueue(failed)).toBe("queued");

      for (const action of ["replay", "remove"]) {
        const unknown = await run(["dead-letters", action, "eulabel:nope", ...base]);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).toContain(`no dead letter with key "eulabel:nope" in queue "${h.name}"`);
        expect(unknown.stdout).toBe("");
        // --json: a script reads one JSON document on stdout, for a missing key too.
        const asJson = await run(["dead-letters", action, "eulabel:nope", ...base, "--json"]);
        expect(asJson.code).toBe(2);
        expect(JSON.parse(asJson.stdout)).toEqual({
          error: "no_such_dead_letter",
          key: "eulabel:nope",
          message: `no dead letter with key "eulabel:nope" in queue "${h.name}" (see dead-letters list).`,
        });
      }
      const empty = await run(["dead-letters", "list", ...base]);
      expect(empty.stdout).toContain(`no dead letters in queue "${h.name}"`);
    });
  }, 60_000);

  it("a --queue that does not exist: every action exits 2, says so and lists the queues that do", async () => {
    await withDeadLetters(async (h) => {
      const missing = `${h.name}-typo`;
      for (const action of [["list"], ["replay", "eulabel:any"], ["remove", "eulabel:any"]]) {
        const res = await run(["dead-letters", ...action, flag, url(), "--queue", missing]);
        expect(res.code).toBe(2);
        expect(res.stderr).toContain(`no queue "${missing}"`);
        expect(res.stderr).toContain(h.name);
        expect(res.stdout).toBe("");
      }
      const json = await run(["dead-letters", "list", flag, url(), "--queue", missing, "--json"]);
      expect(json.code).toBe(2);
      const answer = JSON.parse(json.stdout) as { error: string; queues: string[] };
      expect(answer.error).toBe("no_such_queue");
      expect(answer.queues).toContain(h.name);
      expect(answer.queues).not.toContain(missing);
    });
  }, 60_000);
});

describe("webhook-kit dead-letters: a wrong --prefix on Redis", () => {
  it("with no queue under --prefix, names the queues under BullMQ's default prefix and says to check --prefix", async () => {
    const h = redisHarness(redis.url);
    try {
      await h.queue.enqueue(delivery());
      const prefix = `wrong-${process.pid}`;
      const res = await run([
        "dead-letters",
        "list",
        "--redis",
        redis.url,
        "--queue",
        h.name,
        "--prefix",
        prefix,
      ]);
      expect(res.code).toBe(2);
      expect(res.stderr).toContain(`no queue "${h.name}" under prefix ${prefix}`);
      expect(res.stderr).toMatch(new RegExp(`queues exist under prefix bull: .*${h.name}`));
      expect(res.stderr).toContain("check --prefix");
    } finally {
      await h.close();
    }
  }, 30_000);
});

// A control character other than a line feed: what must never reach a terminal from a sender.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe("webhook-kit dead-letters: what a sender controls is printed inert", () => {
  // A signed delivery's id, type and a handler's error text come from outside: printed raw, escapes in them
  // would retitle the terminal and clear the screen of whoever runs `dead-letters list`.
  const HOSTILE = "evt_\u001b]0;PWNED\u0007\u001b[2J\u009b31m\u007f";
  const SHOWN = "evt_\\x1b]0;PWNED\\x07\\x1b[2J\\x9b31m\\x7f";

  it("list, replay and remove escape control characters in text; --json keeps the exact strings", async () => {
    const h = redisHarness(redis.url);
    const hostile = delivery({ key: `eulabel:${HOSTILE}`, type: `passport.${HOSTILE}` });
    try {
      await h.queue.enqueue(hostile);
      const consumer = h.queue.consume(
        async () => ({
          status: "dead",
          error: `handler failed: ${HOSTILE}`,
          done: [],
          issues: [{ path: HOSTILE, message: HOSTILE }],
        }),
        { concurrency: 1 },
      );
      await waitFor(async () => (await h.queue.listDeadLetters()).length === 1);
      await consumer.close();
      const base = ["--redis", redis.url, "--queue", h.name];
      const list = await run(["dead-letters", "list", ...base]);
      expect(list.code).toBe(0);
      expect(list.stdout).not.toMatch(CONTROL);
      expect(list.stdout).toContain(`key    eulabel:${SHOWN}`);
      expect(list.stdout).toContain(`passport.${SHOWN}`);
      expect(list.stdout).toContain(`error  handler failed: ${SHOWN}`);
      expect(list.stdout).toContain(`issue  ${SHOWN}: ${SHOWN}`);
      const json = await run(["dead-letters", "list", ...base, "--json"]);
      expect((JSON.parse(json.stdout) as DeadLetter[])[0]?.key).toBe(`eulabel:${HOSTILE}`);
      for (const action of ["replay", "remove"]) {
        const unknown = await run(["dead-letters", action, `nope:${HOSTILE}`, ...base]);
        expect(unknown.code).toBe(2);
        expect(unknown.stderr).not.toMatch(CONTROL);
        expect(unknown.stderr).toContain(`no dead letter with key "nope:${SHOWN}"`);
      }
      const replayed = await run(["dead-letters", "replay", `eulabel:${HOSTILE}`, ...base]);
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain(`replayed eulabel:${SHOWN}`);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe("webhook-kit dead-letters: usage and an unreachable queue", () => {
  it.each([
    [["dead-letters"], "needs an action"],
    [["dead-letters", "purge", "--redis", "redis://x"], 'Unknown dead-letters action "purge"'],
    [["dead-letters", "replay", "--redis", "redis://x"], "needs the key of a dead letter"],
    [["dead-letters", "list"], "exactly one of --redis <url> or --postgres <url>"],
    [["dead-letters", "list", "--redis", "redis://a", "--postgres", "postgres://b"], "exactly one of"],
    [["dead-letters", "list", "--redis", "redis://a"], "needs --queue <name>"],
    [["dead-letters", "list", "--redis", "redis://a", "--limit", "0"], "--limit must be a positive integer"],
  ])("%j exits 2: %s", async (args, message) => {
    const res = await run(args);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain(message);
  });

  it.each([
    [["dead-letters", "replay", "--redis", "redis://x", "--queue", "q"], "needs the key of a dead letter"],
    [["dead-letters", "remove", "--redis", "redis://x", "--queue", "q"], "needs the key of a dead letter"],
    [["dead-letters", "list", "--redis", "redis://a", "--queue", "q", "--limit", "0"], "--limit must be"],
    [["dead-letters", "list", "--queue", "q"], "exactly one of --redis"],
    [["dead-letters", "list", "--redis", "redis://a", "--queue", "q", "--bogus"], "Unknown option --bogus"],
  ])("--json: %j exits 2 with one JSON document on stdout", async (args, message) => {
    const res = await run([...args, "--json"]);
    expect(res.code).toBe(2);
    const doc = JSON.parse(res.stdout) as { error: string; message: string };
    expect(doc.error).toBe("usage");
    expect(doc.message).toContain(message);
    expect(res.stderr).toContain(message);
  });

  it.each(["list", "replay", "remove"])(
    "--json: %s on a Redis that does not answer exits 1 with one JSON document on stdout",
    async (action) => {
      const port = await freePort();
      const key = action === "list" ? [] : ["eulabel:any"];
      const res = await run([
        "dead-letters",
        action,
        ...key,
        "--redis",
        `redis://127.0.0.1:${port}`,
        "--queue",
        "any",
        "--json",
      ]);
      expect(res.code).toBe(1);
      const doc = JSON.parse(res.stdout) as { error: string; message: string };
      expect(doc.error).toBe("queue_error");
      expect(doc.message).toMatch(/redis/i);
    },
    30_000,
  );

  it("a PostgreSQL database that does not exist, or a role it refuses: exit 1 with its reason, not 'no answer'", async () => {
    const missingDb = new URL(postgres.url);
    missingDb.pathname = `/webhook_kit_none_${process.pid}`;
    const db = await run(["dead-letters", "list", "--postgres", missingDb.href, "--queue", "any"]);
    expect(db.code).toBe(1);
    expect(db.stderr).toContain(`database "webhook_kit_none_${process.pid}" does not exist`);
    expect(db.stderr).toContain("check the database name, user and password in --postgres");
    expect(db.stderr).not.toContain("no answer");
    const badRole = new URL(postgres.url);
    badRole.username = `nobody_${process.pid}`;
    badRole.password = "hunter2";
    const role = await run(["queue", "status", "--postgres", badRole.href, "--queue", "any"]);
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(new RegExp(`(role|user) "nobody_${process.pid}"`));
    expect(role.stderr).not.toContain("no answer");
    expect(role.stderr).not.toContain("hunter2");
  }, 30_000);

  it("a Redis that does not answer: exit 1 with the reason, not a hang", async () => {
    const port = await freePort();
    const res = await run(["dead-letters", "list", "--redis", `redis://127.0.0.1:${port}`, "--queue", "any"]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/listDeadLetters: .*redis/);
  }, 30_000);
});

describe("webhook-kit dead-letters: the CLI and @webhook-kit/bullmq installed in different places (npx -p)", () => {
  const root = (name: string) => fileURLToPath(new URL(`../packages/${name}`, import.meta.url));
  let dir: string;
  beforeAll(() => {
    // As npx installs it: @webhook-kit/testing in a cache of its own (with only core beside it), the
    // project's node_modules holding @webhook-kit/bullmq (with bullmq, ioredis and pg beside it).
    dir = mkdtempSync(join(tmpdir(), "webhook-kit-apart-"));
    const cache = join(dir, "cache/node_modules/@webhook-kit");
    mkdirSync(join(cache, "testing"), { recursive: true });
    cpSync(join(root("testing"), "dist"), join(cache, "testing/dist"), { recursive: true });
    cpSync(join(root("testing"), "package.json"), join(cache, "testing/package.json"));
    symlinkSync(root("core"), join(cache, "core"), "dir");
    mkdirSync(join(dir, "project/node_modules/@webhook-kit"), { recursive: true });
    symlinkSync(root("bullmq"), join(dir, "project/node_modules/@webhook-kit/bullmq"), "dir");
    mkdirSync(join(dir, "elsewhere"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const cli = () => join(dir, "cache/node_modules/@webhook-kit/testing/dist/cli.js");
  const args = () => [
    "dead-letters",
    "list",
    "--redis",
    redis.url,
    "--queue",
    "none",
    "--prefix",
    `apart-${process.pid}`,
  ];

  it("run from the project, it finds the project's @webhook-kit/bullmq", async () => {
    const res = await run(args(), cli(), join(dir, "project"));
    expect(res.stderr).not.toContain("install what is missing");
    expect(res.stderr).toContain('no queue "none"'); // loaded: it looked on Redis
    expect(res.code).toBe(2);
  }, 30_000);

  it("run where it is not installed, the install line names the directory to install it in", async () => {
    const res = await run(args(), cli(), join(dir, "elsewhere"));
    expect(res.code).toBe(1);
    expect(res.stderr).toContain(
      `install what is missing (@webhook-kit/bullmq) in the project you run it from (${join(dir, "elsewhere")})`,
    );
  }, 30_000);
});
