import { createHmac } from "node:crypto";
import { createReceiver, providers, utf8Bytes } from "@webhook-kit/core";
import { githubDelivery } from "./bench/lib.mjs";
const mode = process.argv[2];
const SECRET = "s";
if (mode !== "off" && mode !== "nosdk") {
  const { context, metrics, trace } = await import("@opentelemetry/api");
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = await import("@opentelemetry/sdk-trace-base");
  const { InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } = await import("@opentelemetry/sdk-metrics");
  if (mode.includes("ctx")) context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  if (mode.includes("trace")) trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] }));
  const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  if (mode.includes("metrics")) metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 1000 })] }));
  setInterval(() => { spans.reset(); exported.reset(); }, 500).unref();
}
const r = createReceiver({ provider: providers.github({ secret: SECRET }), logger: false, ...(mode === "off" && { telemetry: false }) });
r.on("push", () => {});
const N = 20000;
const ds = Array.from({ length: N * 4 }, (_, i) => { const d = githubDelivery(SECRET, JSON.stringify({ ref: "x", after: String(i), pad: "y".repeat(900) })); return { method: "POST", headers: d.headers, rawBody: utf8Bytes(d.body) }; });
const samples = [];
for (let round = 0; round < 4; round++) {
  const s = process.cpuUsage();
  for (let i = 0; i < N; i++) { const res = await r.handle(ds[round * N + i]); if (res.status !== 200) throw new Error(res.body); }
  const u = process.cpuUsage(s); samples.push((u.user + u.system) / N);
}
console.log(mode, samples.map((x) => x.toFixed(1)).join(" "));
