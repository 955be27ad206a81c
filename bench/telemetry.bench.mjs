// Issue #20's cost of telemetry, on the GitHub preset over node:http (same pushes as octokit.bench.mjs):
// telemetry off (`telemetry: false`, what a receiver without @opentelemetry/api runs), the API installed
// with no SDK registered, and a registered SDK exporting to memory (batch span processor, periodic metric
// reader), in alternating rounds of one run; and the SDK registered with the kit's telemetry off, to tell
// the SDK's own cost from the kit's. Target: SDK ≥ 0.85× of no SDK. `pnpm build` first.
import { createHmac } from "node:crypto";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { createReceiver, providers } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { githubDelivery, measureGroup, printCpu, printTable, serveWithCpu } from "./lib.mjs";

const SECRET = "bench_github_secret";

/** A GitHub push body, distinct per `i`: every delivery is new to the store. */
function pushBody(i) {
  const sha = createHmac("sha1", "x").update(String(i)).digest("hex");
  return JSON.stringify({
    ref: "refs/heads/main",
    after: sha,
    repository: { id: 186853002, name: "Hello-World", full_name: "Codertocat/Hello-World" },
    sender: { login: "Codertocat", id: 21031067, type: "User" },
    head_commit: { id: sha, message: `Update README.md (${i})`, pad: "y".repeat(700) },
  });
}

async function registerSdk() {
  const { context, metrics, trace } = await import("@opentelemetry/api");
  const { AsyncLocalStorageContextManager } = await import("@opentelemetry/context-async-hooks");
  const { BasicTracerProvider, BatchSpanProcessor, InMemorySpanExporter } = await import(
    "@opentelemetry/sdk-trace-base"
  );
  const { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } =
    await import("@opentelemetry/sdk-metrics");
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  const spans = new InMemorySpanExporter();
  trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(spans)] }));
  const exported = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  metrics.setGlobalMeterProvider(
    new MeterProvider({
      readers: [new PeriodicExportingMetricReader({ exporter: exported, exportIntervalMillis: 1_000 })],
    }),
  );
  // Memory stays bounded over a long run: what an exporter would have sent is dropped each second.
  setInterval(() => {
    spans.reset();
    exported.reset();
  }, 1_000).unref();
}

async function serve(kind) {
  if (kind.startsWith("sdk")) await registerSdk();
  const receiver = createReceiver({
    provider: providers.github({ secret: SECRET }),
    logger: false,
    ...((kind === "off" || kind === "sdk-off") && { telemetry: false }),
  });
  receiver.on("push", () => {});
  const listener = createNodeHandler(receiver, { path: "/hook" });
  let server = http.createServer(listener);
  if (kind === "sdk-off") {
    // As the HTTP instrumentation does for every request: enter a context (AsyncLocalStorage.run), which
    // turns on the context manager's async tracking for the whole process.
    const { context } = await import("@opentelemetry/api");
    server = http.createServer((req, res) => context.with(context.active(), () => listener(req, res)));
  }
  server.keepAliveTimeout = 60_000;
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

if (process.argv[2] === "serve") {
  serveWithCpu(await serve(process.argv[3]));
} else {
  const count = Number(process.env.BENCH_BODIES ?? 100_000);
  const traffic = Array.from({ length: count }, (_, i) => githubDelivery(SECRET, pushBody(i)));
  const self = fileURLToPath(import.meta.url);
  const [off, nosdk, sdk, sdkOff] = await measureGroup(self, ["off", "nosdk", "sdk", "sdk-off"], traffic);
  const offName = "GitHub, telemetry: false (as without @opentelemetry/api)";
  const noSdkName = "GitHub, @opentelemetry/api, no SDK registered";
  const rows = [
    { name: offName, ...off },
    { name: noSdkName, baseline: offName, ...nosdk },
    {
      name: "GitHub, SDK registered + in-memory exporters",
      baseline: noSdkName,
      target: 0.85,
      ...sdk,
    },
    // What a traced app pays without the kit reporting anything: the SDK's context manager entered once per
    // request (as the HTTP instrumentation does), so the row above minus this one is the kit's own cost.
    { name: "GitHub, SDK + a context per request, kit telemetry: false", baseline: noSdkName, ...sdkOff },
  ];
  printTable("Telemetry cost — GitHub preset over node:http (same run, alternating rounds)", rows);
  printCpu(rows);
}
