// The receiver's garbage collection under a sustained stream of new deliveries (issue #23), in process, no
// HTTP: receiver.handle() on GitHub pushes with a fresh X-GitHub-Delivery each, so the default MemoryStore
// fills to its bound (100 000) and then evicts on every delivery, as a long-running receiver's does.
// Counts scavenges and mark-compacts and their pause time (PerformanceObserver "gc"), and the heap after.
//   node bench/gc-sustained.mjs [other core dist folder]   (e.g. /work/main/packages/core/dist)
// With a folder, this build and that one run in alternating child processes (A B A B A B), each fresh.
import { fork } from "node:child_process";
import { createHmac, randomUUID } from "node:crypto";
import { once } from "node:events";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const DELIVERIES = Number(process.env.BENCH_GC_DELIVERIES ?? 400_000);
const SECRET = "bench_github_secret";

if (process.argv[2] === "child") {
  const dist = process.argv[3];
  const core = dist ? await import(`${dist}/index.js`) : await import("@webhook-kit/core");
  const receiver = core.createReceiver({
    provider: core.providers.github({ secret: SECRET }),
    logger: false,
  });
  receiver.on("push", () => {});
  // 1 000 distinct bodies (≈ 1.1 KB), signed once; the delivery id is what makes each delivery new.
  const bodies = Array.from({ length: 1_000 }, (_, i) => {
    const body = JSON.stringify({
      ref: "refs/heads/main",
      after: String(i).padStart(40, "0"),
      pad: "y".repeat(1000),
    });
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`;
    return { rawBody: new TextEncoder().encode(body), signature };
  });
  const gc = { scavenges: 0, scavengeMs: 0, markCompacts: 0, markCompactMs: 0, longestMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = entry.detail?.kind ?? entry.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MINOR) {
        gc.scavenges += 1;
        gc.scavengeMs += entry.duration;
      } else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
        gc.markCompacts += 1;
        gc.markCompactMs += entry.duration;
      }
      gc.longestMs = Math.max(gc.longestMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ["gc"] });
  const started = process.cpuUsage();
  let bad = 0;
  for (let i = 0; i < DELIVERIES; i++) {
    const { rawBody, signature } = bodies[i % bodies.length];
    const response = await receiver.handle({
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": randomUUID(),
        "x-hub-signature-256": signature,
      },
      rawBody,
    });
    if (response.status !== 200) bad += 1;
  }
  const cpu = process.cpuUsage(started);
  await new Promise((resolve) => setTimeout(resolve, 100)); // the observer's last entries
  process.send({
    ...gc,
    bad,
    cpuUsPerDelivery: (cpu.user + cpu.system) / DELIVERIES,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
  });
} else {
  const other = process.argv[2];
  const self = fileURLToPath(import.meta.url);
  const variants = other
    ? [
        ["this build", undefined],
        [other, other],
      ]
    : [["this build", undefined]];
  const results = new Map(variants.map(([name]) => [name, []]));
  for (let round = 0; round < 3; round++) {
    for (const [name, dist] of round % 2 ? [...variants].reverse() : variants) {
      const child = fork(self, ["child", ...(dist ? [dist] : [])], {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      const [result] = await once(child, "message");
      await once(child, "exit");
      results.get(name).push(result);
    }
  }
  const median = (values) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  console.log(`\n### GC under ${DELIVERIES} new deliveries in process (median of 3 alternating runs)\n`);
  console.log(
    "| core | scavenges | scavenge ms | mark-compacts | mark-compact ms | longest pause ms | CPU µs/delivery | heap after MiB | non-200 |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [name, list] of results) {
    const m = (key, digits = 0) => median(list.map((r) => r[key])).toFixed(digits);
    console.log(
      `| ${name} | ${m("scavenges")} | ${m("scavengeMs")} | ${m("markCompacts")} | ${m("markCompactMs", 1)} | ${m("longestMs", 1)} | ${m("cpuUsPerDelivery", 1)} | ${m("heapMiB")} | ${m("bad")} |`,
    );
  }
}
