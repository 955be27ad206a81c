import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

// Issue #24, item 1, as a user meets it: a whole process (built packages), not a vitest worker. The
// conformance rows (adapter-suite) run the same on every adapter in-process.
const FIXTURE = fileURLToPath(new URL("../fixtures/answered-elsewhere/express.mjs", import.meta.url));

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

describe("Express behind a response-timeout middleware (subprocess)", () => {
  it("an unsigned request that stalls its body does not end the process; the dropped answer is logged", async () => {
    const proc = spawn(process.execPath, [FIXTURE], { stdio: ["ignore", "pipe", "pipe"] });
    child = proc;
    let stderr = "";
    proc.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
    const port = await new Promise<number>((resolve, reject) => {
      proc.stdout.on("data", (c: Buffer) => {
        const match = /port (\d+)/.exec(c.toString());
        if (match) resolve(Number(match[1]));
      });
      proc.once("exit", (code) => reject(new Error(`exited ${code} before listening: ${stderr}`)));
    });

    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `http://127.0.0.1:${port}/webhooks/eulabel`,
        { method: "POST", headers: { "content-type": "application/json", "content-length": "100" } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on("error", reject);
      req.write("{"); // and nothing more: the webhook answers 408 at bodyTimeoutMs, after the 503
    });
    expect(status).toBe(503);

    // Either the dropped answer is logged, or the process dies: whichever comes first decides.
    const logged = new Promise<"logged">((resolve) => {
      const check = () => /already sent/.test(stderr) && resolve("logged");
      proc.stderr.on("data", check);
      check();
    });
    const outcome = await Promise.race([logged, exited.then((code) => `exited ${code}`)]);
    expect(outcome, stderr).toBe("logged");
    expect(proc.exitCode).toBeNull();
  });
});
