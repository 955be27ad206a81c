import { createHmac } from "node:crypto";
import { inspect } from "node:util";
import type { Logger } from "@webhook-kit/core";
import { createRedisClient } from "@webhook-kit/redis";
import type { Redis } from "ioredis";
import { afterAll, beforeAll } from "vitest";
import { deleteKeys, type SharedRedis, sharedRedis, uniquePrefix } from "../support/redis.js";

/**
 * fast-check parameters with a fixed seed (override with FC_SEED=<n> to explore), printed so any failure
 * can be replayed exactly: `FC_SEED=<seed> npx vitest run test/hardening`.
 */
export function fcParams(name: string, defaultSeed: number, numRuns: number) {
  const seed = process.env.FC_SEED === undefined ? defaultSeed : Number(process.env.FC_SEED);
  const runs = process.env.FC_RUNS === undefined ? numRuns : Number(process.env.FC_RUNS);
  console.info(`[fuzz] ${name}: seed=${seed} numRuns=${runs}`);
  return { seed, numRuns: runs, endOnFailure: true } as const;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The EUlabel signature a sender computes: HMAC-SHA256 of the exact bytes, hex. */
export function hmacHex(secret: string | Uint8Array, ...parts: (string | Uint8Array)[]): string {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest("hex");
}

/** A captured log line: level, the object (errors included) and the message. */
export interface LogLine {
  level: keyof Logger;
  obj: unknown;
  msg: string | undefined;
}

/** A pino-compatible logger that keeps every line. */
export function capturingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      lines.push({ level, obj, msg });
    };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * Everything a value could show when logged or serialised: util.inspect (hidden properties, any depth,
 * which follows `cause` and AggregateError `errors`), JSON, and every string, message and stack found by
 * walking errors, causes and own properties (enumerable or not).
 */
export function serializeDeep(value: unknown): string {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 20) return;
    if (typeof v === "string") {
      out.push(v);
      return;
    }
    if (v instanceof Uint8Array) {
      out.push(Buffer.from(v).toString("latin1"), Array.from(v).join(","));
      return;
    }
    if (v === null || typeof v !== "object" || seen.has(v)) {
      if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") out.push(String(v));
      return;
    }
    seen.add(v);
    if (v instanceof Error) {
      out.push(String(v.message), String(v.stack), String(v.name));
      walk(v.cause, depth + 1);
      if (v instanceof AggregateError) for (const e of v.errors) walk(e, depth + 1);
    }
    for (const key of Reflect.ownKeys(v)) {
      out.push(String(key));
      try {
        walk((v as Record<PropertyKey, unknown>)[key], depth + 1);
      } catch {}
    }
  };
  walk(value, 0);
  out.push(inspect(value, { depth: Number.POSITIVE_INFINITY, showHidden: true, getters: false }));
  try {
    out.push(JSON.stringify(value) ?? "");
  } catch {}
  return out.join("\n");
}

/**
 * Every form a secret or an expected signature could take in text: as is, hex (both cases), base64 and
 * base64url (padded or not), and the key bytes as a decimal list (how a logged Buffer/Uint8Array shows).
 */
export function needleForms(label: string, value: string | Uint8Array): [string, string][] {
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : Buffer.from(value);
  const forms = new Set<string>();
  if (typeof value === "string") forms.add(value);
  const hex = bytes.toString("hex");
  forms.add(hex).add(hex.toUpperCase());
  const b64 = bytes.toString("base64");
  forms.add(b64).add(b64.replace(/=+$/, "")).add(bytes.toString("base64url"));
  forms.add(Array.from(bytes).join(",")).add(Array.from(bytes).join(", "));
  return [...forms].filter((f) => f.length >= 8).map((form) => [label, form]);
}

/** Needles for an expected signature given as hex digest text. */
export function signatureNeedles(label: string, hexDigest: string): [string, string][] {
  return needleForms(label, Buffer.from(hexDigest, "hex"));
}

/** Which needles occur in `haystack` (label + where). */
export function findLeaks(haystack: string, needles: readonly [string, string][], where: string): string[] {
  const found: string[] = [];
  for (const [label, form] of needles) {
    if (haystack.includes(form)) found.push(`${label} (${form.slice(0, 12)}…) in ${where}`);
  }
  return found;
}

/**
 * Two clients on the shared test Redis for the enclosing describe block (two processes' worth of
 * connections), with every key under `base` deleted afterwards.
 */
export function useTwoRedisClients(label: string): { base: string; clients(): [Redis, Redis] } {
  let redis: SharedRedis | undefined;
  let clients: Redis[] = [];
  const base = uniquePrefix(label);
  beforeAll(async () => {
    redis = await sharedRedis();
    clients = [createRedisClient(redis.url), createRedisClient(redis.url)];
  });
  afterAll(async () => {
    if (clients[0]) await deleteKeys(clients[0], base);
    await Promise.all(clients.map((c) => c.quit()));
    await redis?.release();
  });
  return { base, clients: () => clients as [Redis, Redis] };
}
