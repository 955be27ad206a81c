#!/usr/bin/env -S node --expose-gc
// MemoryStore soak: SOAK_IDS distinct deliveries (default 1 000 000) through receiver.handle() — no HTTP —
// with MemoryStore({ maxEntries: SOAK_MAX_ENTRIES }) (default 100 000), BUILT packages (`pnpm build` first).
// Every SOAK_SAMPLE_EVERY deliveries (default 100 000) it forces a GC and samples heapUsed and store.size.
// The entry bound must hold at every sample, the store must have filled up to it, recent ids must still be
// deduplicated, and the heap must stay flat once the store is full (growth from the first full sample to
// the last below SOAK_MAX_HEAP_GROWTH_MB, default 32). One JSON line on stdout; exit 1 on any violation.
// Run with: node --expose-gc scripts/soak-memory.mjs
import { createHmac } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
if (!existsSync(path.join(ROOT, "packages/core/dist/index.js"))) {
  process.stdout.write(
    `${JSON.stringify({ ok: false, error: "missing packages/core/dist: run `pnpm build` first" })}\n`,
  );
  process.exit(1);
}
if (typeof globalThis.gc !== "function") {
  process.stdout.write(`${JSON.stringify({ ok: false, error: "run with node --expose-gc" })}\n`);
  process.exit(1);
}
const { createReceiver, defineProvider, hmacSignature, MemoryStore } = await import("@webhook-kit/core");

const int = (name, fallback) => {
  const v = process.env[name] === undefined ? fallback : Number(process.env[name]);
  if (!Number.isInteger(v) || v <= 0) throw new Error(`${name} must be a positive integer`);
  return v;
};
const IDS = int("SOAK_IDS", 1_000_000);
const MAX_ENTRIES = int("SOAK_MAX_ENTRIES", 100_000);
const SAMPLE_EVERY = int("SOAK_SAMPLE_EVERY", 100_000);
const MAX_HEAP_GROWTH_MB = int("SOAK_MAX_HEAP_GROWTH_MB", 32);
const SECRET = "soak-memory-secret";
const BATCH = 256;

const provider = defineProvider({
  name: "mem",
  signature: hmacSignature({ header: "x-mem-signature", secret: SECRET }),
  events: {},
  eventType: ({ body }) => (typeof body.type === "string" ? body.type : undefined),
  idempotencyKey: ({ body }) => (typeof body.id === "string" ? body.id : undefined),
});
let evictedLive = 0;
const store = new MemoryStore({
  maxEntries: MAX_ENTRIES,
  onEvict: () => {
    evictedLive += 1;
  },
});
const receiver = createReceiver({ provider, store });
let runs = 0;
receiver.on("*", () => {
  runs += 1;
});

const delivery = (n) => {
  const body = Buffer.from(`{"type":"mem.event","id":"evt_${n}","n":${n}}`);
  return {
    method: "POST",
    headers: { "x-mem-signature": createHmac("sha256", SECRET).update(body).digest("hex") },
    rawBody: body,
    remoteAddress: "127.0.0.1",
  };
};

const mb = (bytes) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const sample = (done) => {
  globalThis.gc();
  globalThis.gc();
  const m = process.memoryUsage();
  return { done, heapUsedMB: mb(m.heapUsed), rssMB: mb(m.rss), storeSize: store.size };
};

const violations = [];
const statuses = {};
const samples = [sample(0)];
const started = Date.now();
for (let n = 0; n < IDS; n += BATCH) {
  const batch = [];
  for (let i = n; i < Math.min(IDS, n + BATCH); i++) batch.push(receiver.handle(delivery(i)));
  for (const res of await Promise.all(batch)) statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  if (store.size > MAX_ENTRIES) violations.push(`store.size ${store.size} > maxEntries after ${n + BATCH}`);
  const done = Math.min(IDS, n + BATCH);
  if (done >= SAMPLE_EVERY * samples.length) {
    samples.push(sample(done));
    process.stderr.write(`[soak-memory] ${JSON.stringify(samples.at(-1))}\n`);
  }
}
if (samples.at(-1).done !== IDS) samples.push(sample(IDS));
const durationMs = Date.now() - started;

// Recent ids are still remembered (duplicates dropped); the oldest were evicted to keep the bound, as documented.
const recent = await receiver.handle(delivery(IDS - 1));
const recentDuplicate = JSON.parse(recent.body).duplicate === true;
const oldest = await receiver.handle(delivery(0));
const oldestForgotten = oldest.status === 200 && JSON.parse(oldest.body).duplicate !== true;

const full = samples.filter((s) => s.storeSize >= MAX_ENTRIES);
const heapGrowthMB =
  full.length >= 2 ? Math.round((full.at(-1).heapUsedMB - full[0].heapUsedMB) * 10) / 10 : null;
const maxStoreSize = Math.max(...samples.map((s) => s.storeSize));
if (maxStoreSize !== MAX_ENTRIES)
  violations.push(`the store never filled up to maxEntries (max ${maxStoreSize})`);
if (statuses[200] !== IDS) violations.push(`expected ${IDS} × 200, got ${JSON.stringify(statuses)}`);
if (runs !== IDS + 1) violations.push(`handlers ran ${runs} times for ${IDS} + 1 distinct deliveries`);
if (!recentDuplicate) violations.push("a recent id was not recognised as a duplicate");
if (heapGrowthMB === null) violations.push("too few samples with a full store to judge heap growth");
else if (heapGrowthMB > MAX_HEAP_GROWTH_MB)
  violations.push(`heap grew ${heapGrowthMB} MB after the store was full`);

const summary = {
  ok: violations.length === 0,
  ids: IDS,
  maxEntries: MAX_ENTRIES,
  maxStoreSize,
  finalStoreSize: store.size,
  evictedLive,
  handlerRuns: runs,
  statuses,
  recentDuplicate,
  oldestForgotten,
  heapGrowthAfterFullMB: heapGrowthMB,
  peakSampledHeapMB: Math.max(...samples.map((s) => s.heapUsedMB)),
  samples,
  durationMs,
  deliveriesPerSecond: Math.round((IDS / durationMs) * 1000),
  violations,
};
process.stdout.write(`${JSON.stringify(summary)}\n`);
if (!summary.ok) process.exitCode = 1;
