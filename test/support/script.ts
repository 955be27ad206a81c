import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface Run {
  code: number | null;
  summary: Record<string, unknown>;
  stderr: string;
}

/** Runs a Node script from the repository root; its last stdout line is its JSON summary. */
export function runScript(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const last = stdout.trim().split("\n").at(-1) ?? "";
      try {
        resolve({ code, summary: JSON.parse(last) as Record<string, unknown>, stderr });
      } catch {
        reject(
          new Error(
            `no JSON summary (exit ${code}); stdout: ${stdout.slice(-500)}; stderr: ${stderr.slice(-2000)}`,
          ),
        );
      }
    });
  });
}
