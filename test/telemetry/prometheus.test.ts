import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PrometheusExporter } from "@opentelemetry/exporter-prometheus";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { createReceiver, MemoryQueue, type QueueStatus, type ReceiverCore } from "@webhook-kit/core";
import { createNodeHandler } from "@webhook-kit/core/node";
import { createRedisClient, RedisStore } from "@webhook-kit/redis";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";
import { send } from "../support/http.js";
import { freePort } from "../support/redis.js";
import { useContextManager } from "./sdk.js";

// The dashboard and the alert rules in docs/operations/ query only metrics a real receiver exports: real
// deliveries through receivers wired to @opentelemetry/exporter-prometheus, its endpoint scraped over HTTP,
// every metric name the two files use looked up in the scrape.

const DOCS = new URL("../../docs/operations/", import.meta.url);
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/**
 * MemoryQueue reports `oldestWaitingMs` once issue #20's queue work lands; until then (and for any queue
 * that cannot tell) the gauge is only exported when the queue says it, so this one says "none waits".
 */
class AgeReportingQueue extends MemoryQueue {
  override async status(): Promise<QueueStatus> {
    const status = await super.status();
    return { ...status, oldestWaitingMs: status.oldestWaitingMs ?? 0 };
  }
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

const serve = (receiver: ReceiverCore) => listen(http.createServer(createNodeHandler(receiver)));

/** Metric names a PromQL expression reads: label matchers, grouping labels and label_values' label dropped. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)\s*,[^)]*\)/g, " $1 ");
  return [...new Set(bare.match(/\bwebhook_\w+/g) ?? [])];
}

function dashboardExprs(): string[] {
  const dashboard = JSON.parse(readFileSync(new URL("webhook-kit.dashboard.json", DOCS), "utf8")) as {
    panels: { targets?: { expr: string }[] }[];
    templating: { list: { query?: string | { query: string } }[] };
  };
  const exprs = dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
  for (const variable of dashboard.templating.list) {
    const query = typeof variable.query === "string" ? variable.query : variable.query?.query;
    if (query) exprs.push(query);
  }
  return exprs;
}

function ruleExprs(): string[] {
  const rules = parse(readFileSync(new URL("webhook-kit.rules.yml", DOCS), "utf8")) as {
    groups: { rules: { alert?: string; expr: string }[] }[];
  };
  return rules.groups.flatMap((group) => group.rules.map((rule) => rule.expr));
}

describe("docs/operations: dashboard and alert rules against a real Prometheus scrape", () => {
  it("extracts metric names, not label names, from PromQL", () => {
    expect(
      metricNames(
        'sum by (webhook_provider) (rate(webhook_deliveries_total{webhook_outcome="duplicate"}[5m])) / on(webhook_provider) webhook_queue_jobs',
      ),
    ).toEqual(["webhook_deliveries_total", "webhook_queue_jobs"]);
    expect(metricNames("label_values(webhook_deliveries_total, webhook_provider)")).toEqual([
      "webhook_deliveries_total",
    ]);
  });

  it("every metric the dashboard and the rules query is in the exporter's scrape", async () => {
    useContextManager();
    const exporter = new PrometheusExporter({ preventServerStart: true });
    const meterProvider = new MeterProvider({ readers: [exporter] });
    cleanups.push(() => meterProvider.shutdown());
    const telemetry = { meterProvider };

    // A queued endpoint: handled, duplicate, forged, and a dead letter.
    const queue = new AgeReportingQueue();
    cleanups.push(() => queue.close());
    const receiver = createReceiver({ provider: eulabel(), queue, logger: false, telemetry });
    receiver.on("passport.published", () => {}, { id: "receipt" });
    receiver.on(
      "passport.updated",
      () => {
        throw new Error("always fails");
      },
      { id: "sync" },
    );
    const url = await serve(receiver);
    const handled = await signedDelivery(passportEvent("passport.published"));
    expect((await send(url, handled)).status).toBe(202);
    expect((await send(url, handled)).json).toMatchObject({ duplicate: true });
    const failing = await signedDelivery(passportEvent("passport.updated"));
    expect((await send(url, failing)).status).toBe(202);
    const forged = await signedDelivery(passportEvent(), "whsec_wrong_secret");
    expect((await send(url, forged)).status).toBe(401);
    const worker = receiver.work({ attempts: 1 });
    cleanups.push(() => worker.close());
    const deadline = Date.now() + 20_000;
    while ((await queue.status()).deadLetters < 1 || (await queue.status()).waiting > 0) {
      if (Date.now() > deadline) throw new Error("the worker did not finish both jobs");
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // An endpoint whose Redis is down (nothing listens on the port): 503 and a store error.
    const client = createRedisClient(`redis://127.0.0.1:${await freePort()}`, {
      retryStrategy: () => null,
      lazyConnect: true,
    });
    client.on("error", () => {});
    cleanups.push(() => client.disconnect());
    const down = createReceiver({
      provider: eulabel(),
      store: new RedisStore({ client }),
      storeTimeoutMs: 500,
      logger: false,
      telemetry,
    });
    const downUrl = await serve(down);
    expect((await send(downUrl, await signedDelivery(passportEvent()))).status).toBe(503);

    const metricsUrl = await listen(
      http.createServer((req, res) => exporter.getMetricsRequestHandler(req, res)),
    );
    const scrape = await (await fetch(`${metricsUrl}metrics`)).text();
    const exported = new Set(
      scrape
        .split("\n")
        .filter((line) => line !== "" && !line.startsWith("#"))
        .map((line) => /^[a-zA-Z_:][\w:]*/.exec(line)?.[0]),
    );

    const queried = [...dashboardExprs(), ...ruleExprs()].flatMap(metricNames);
    expect(queried.length).toBeGreaterThan(10);
    const missing = [...new Set(queried)].filter((name) => !exported.has(name));
    expect(missing, `queried but not exported; the scrape has ${[...exported].join(", ")}`).toEqual([]);
    // The scrape holds what the deliveries above did (not only declared instruments).
    expect(scrape).toMatch(/webhook_deliveries_total\{[^}]*webhook_outcome="invalid_signature"[^}]*\} 1/);
    expect(scrape).toMatch(
      /webhook_dead_letters_total\{[^}]*webhook_dead_letter_reason="attempts_exhausted"/,
    );
    expect(scrape).toMatch(/webhook_store_errors_total\{[^}]*webhook_store_operation="claim"[^}]*\} 1/);
  });
});
