import { readFileSync } from "node:fs";
import { ERROR_CODES, WebhookError } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { errorResponse } from "../../packages/core/src/response.js";

// The error codes are a public contract: docs/errors.md's table documents each code's status, and senders act on
// the status. This pins both, so a changed status or an undocumented code fails here.

/** The contract (docs/errors.md, shared/spec/receiver.md). `invalid_config` is thrown, never answered. */
const CONTRACT: Record<string, number | "thrown" | "reported"> = {
  not_found: 404,
  method_not_allowed: 405,
  ip_not_allowed: 403,
  payload_too_large: 413,
  body_timeout: 408,
  body_aborted: 400,
  body_already_consumed: 500,
  unsupported_encoding: 415,
  missing_signature: 401,
  invalid_signature: 401,
  timestamp_out_of_range: 401,
  invalid_payload: 400,
  invalid_handshake: 400,
  origin_not_allowed: 403,
  store_unavailable: 503,
  secret_lookup_failed: 503,
  in_progress: 409,
  handler_failed: 500,
  // Reported to the logger and onError, never answered: their status is nominal.
  handler_timeout: "reported",
  claim_lost: "reported",
  dead_letter: "reported",
  worker_interrupted: "reported",
  invalid_config: "thrown",
  internal_error: 500,
};

/** Rows of docs/errors.md's table (the one error-code table): code → the status column as written. */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("| code | status |"));
  const rows = new Map<string, string>();
  for (const line of section.split("\n").slice(1)) {
    if (line.startsWith("## ")) break;
    const match = /^\| `([a-z_]+)` \| ([^|]+) \|/.exec(line);
    if (match) rows.set(match[1]!, match[2]!.trim());
  }
  return rows;
}

describe("error codes", () => {
  it("every code has the contract's status, and no code exists outside the contract", () => {
    expect(Object.keys(ERROR_CODES).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [code, status] of Object.entries(CONTRACT)) {
      if (status === "thrown" || status === "reported") continue;
      expect(ERROR_CODES[code as keyof typeof ERROR_CODES], code).toBe(status);
    }
  });

  it("docs/errors.md documents every code with the status the receiver answers", () => {
    const table = readmeTable();
    expect([...table.keys()].sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const [code, status] of Object.entries(CONTRACT)) {
      if (status === "thrown") expect(table.get(code), code).toMatch(/thrown/);
      else if (status === "reported") expect(table.get(code), code).toMatch(/reported/);
      else expect(table.get(code), code).toBe(String(status));
    }
  });

  it("an error answered over HTTP carries the contract's status and its code", () => {
    for (const [code, status] of Object.entries(CONTRACT)) {
      if (status === "thrown" || status === "reported") continue;
      const response = errorResponse(new WebhookError(code as keyof typeof ERROR_CODES, "m"));
      expect(response.status, code).toBe(status);
      expect(JSON.parse(response.body)).toMatchObject({ error: code, message: "m" });
    }
  });
});

describe("error messages live in one place", () => {
  it("core builds every WebhookError in errors.ts, so each code has one wording", async () => {
    const { readdirSync } = await import("node:fs");
    const root = new URL("../../packages/core/src/", import.meta.url);
    const files = readdirSync(root, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".ts"));
    const outside = files.filter(
      (file) =>
        file !== "errors.ts" && readFileSync(new URL(file, root), "utf8").includes("new WebhookError("),
    );
    expect(outside).toEqual([]);
  });
});
