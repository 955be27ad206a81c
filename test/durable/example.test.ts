import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueQueueName } from "../support/bullmq.js";
import { passportEvent } from "../support/deliveries.js";
import { type SharedRedis, sharedRedis } from "../support/redis.js";

// examples/durable-eulabel as a user runs it: a receiver process and a worker process on one Redis.
const dir = fileURLToPath(new URL("../../examples/durable-eulabel/", import.meta.url));
const SECRET = "whsec_durable_example";

/** Starts `script`; resolves with the child and a way to wait for a stdout line matching `pattern`. */
function start(script: string, env: Record<string, string>) {
  const child = spawn(process.execPath, [script], { cwd: dir, env: { ...process.env, ...env } });
  let out = "";
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    out += c.toString();
  });
  const waitFor = async (pattern: RegExp, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(out)) {
      if (Date.now() > deadline)
        throw new Error(`${script}: no ${pattern} in ${timeoutMs} ms; output: ${out}`);
      if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}): ${out}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    return pattern.exec(out) as RegExpExecArray;
  };
  return { child, waitFor, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const [code] = await once(child, "exit");
  return code as number | null;
}

describe("examples/durable-eulabel: a receiver process and a worker process on one Redis", () => {
  let redis: SharedRedis;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis?.release();
  });

  it("202 once queued, the worker prints the event, a redelivery is a duplicate, both stop gracefully", {
    timeout: 60_000,
  }, async () => {
    const env = {
      EULABEL_SECRET: SECRET,
      REDIS_URL: redis.url,
      QUEUE_NAME: uniqueQueueName("example"),
      PORT: "0",
    };
    const receiver = start("receiver.mjs", env);
    const worker = start("worker.mjs", env);
    try {
      const [, url] = await receiver.waitFor(/receiver: POST (\S+)/);
      await worker.waitFor(/worker: waiting for deliveries/);
      const signed = await sign(
        providers.eulabel({ secret: SECRET }),
        JSON.stringify(passportEvent("passport.published")),
      );
      const post = async () => {
        const res = await fetch(url as string, {
          method: "POST",
          headers: { "content-type": "application/json", ...signed.headers },
          body: Buffer.from(signed.body),
        });
        return { status: res.status, body: await res.text() };
      };
      expect(await post()).toEqual({ status: 202, body: '{"received":true,"status":"queued"}' });
      await worker.waitFor(/published ps_w9x2kf \(100 % complete\), attempt 1/);
      expect(await post()).toEqual({ status: 200, body: '{"received":true,"duplicate":true}' });
      expect(receiver.output()).not.toMatch(/published/); // the receiver runs no handler
    } finally {
      expect(await stop(receiver.child)).toBe(0);
      expect(await stop(worker.child)).toBe(0);
    }
    expect(worker.output().match(/published ps_w9x2kf/g)).toHaveLength(1);
  });
});
