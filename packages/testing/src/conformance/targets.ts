import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ReceiverCore } from "@webhook-kit/core";
import { SECRET } from "./deliveries.js";
import { send } from "./http.js";
import { CONTROL_HEADER, createScenario, type ScenarioControl, type ScenarioName } from "./scenarios.js";

/** A running server that serves one receiver at `url` (http://127.0.0.1:<port><path>). */
export interface RunningAdapter {
  url: string;
  close(): Promise<void>;
}

/**
 * The app's own middleware, mounted before the webhook (e.g. a response timeout that answers 503 itself):
 * called with the node:http request and response, then the request goes on to the webhook.
 */
export type BeforeWebhook = (req: IncomingMessage, res: ServerResponse) => void;

/** One framework, as the receiver conformance suite drives it. */
export interface AdapterUnderTest {
  name: string;
  /**
   * Start a real server on 127.0.0.1, port 0, serving `receiver` at `path` (see `listen`), set up as an app
   * should: `server.on("checkContinue", checkContinue(receiver, { path }))` from `@webhook-kit/core/node`.
   * With `before`, mount it as the framework's middleware (hook, wrapper) in front of the webhook.
   */
  start(receiver: ReceiverCore, path: string, before?: BeforeWebhook): Promise<RunningAdapter>;
  /**
   * The adapter writes no node:http response (a fetch bridge returns a `Response`): the rows about a response
   * someone else already sent do not apply.
   */
  returnsResponse?: true;
}

/** One scenario's receiver, served: where to deliver, and how to steer and observe it. */
export interface ScenarioTarget {
  url: string;
  /** Every handler run so far, as `${type}@${payload.timestamp}`. */
  calls(): Promise<string[]>;
  /** Every line the receiver and its adapter logged so far, as `${level}: ${message}`. */
  logs(): Promise<string[]>;
  /** Opens the "gated" scenario's gate. */
  release(): Promise<void>;
  /** Makes the "failing" scenario's handlers succeed from now on. */
  succeed(): Promise<void>;
  /** Resolves when handlers running in the background (after a 202) have settled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

/** Something the receiver conformance suite runs its rows against. */
export interface ConformanceTarget {
  name: string;
  /** With `before`, the app's middleware runs in front of the webhook (targets with `writesNodeResponse`). */
  open(scenario: ScenarioName, before?: BeforeWebhook): Promise<ScenarioTarget>;
  /**
   * The adapter writes node's response itself, so it decides the connection: `open` honours `before`, and
   * the rows about a response already sent and about closing refused uploads run.
   */
  writesNodeResponse?: true;
  /**
   * The platform reads the whole request body before the route runs (Next.js's Edge runtime under
   * `next start`), so the receiver cannot refuse mid-stream or time out a stalled body. The suite pins that
   * instead of the streaming rows, so a platform that starts streaming fails here and gets the full rows.
   */
  buffersBody?: true;
}

const PATH = "/webhooks/eulabel";

/**
 * An adapter started in this process, one server per scenario opened.
 *
 * @example
 * describeReceiverConformance(inProcessTarget({ name: "node:http", start: (receiver, path) => serve(receiver, path) }));
 */
export function inProcess(adapter: AdapterUnderTest): ConformanceTarget {
  return {
    name: adapter.name,
    ...(adapter.returnsResponse ? {} : { writesNodeResponse: true as const }),
    async open(name, before) {
      const scenario = createScenario(name, SECRET);
      const running = await (before
        ? adapter.start(scenario.receiver, PATH, before)
        : adapter.start(scenario.receiver, PATH));
      const steer = async (action: ScenarioControl) => {
        await scenario.control(action);
      };
      return {
        url: running.url,
        calls: async () => [...scenario.calls],
        logs: async () => [...scenario.logs],
        release: () => steer("release"),
        succeed: () => steer("succeed"),
        idle: () => steer("idle"),
        close: () => running.close(),
      };
    },
  };
}

/**
 * A server started elsewhere (real `next start`) whose routes build the same scenarios: `${base()}${prefix}/
 * <scenario>/<instance>`. Each open gets a fresh instance id, so a fresh receiver and store. Its routes sign
 * with `CONFORMANCE_SECRET` (see `scenarioRegistry`).
 *
 * @example
 * describeReceiverConformance(remoteTarget("my-framework", () => server.url, "/conformance"));
 */
export function remote(
  name: string,
  base: () => string,
  prefix: string,
  options: { buffersBody?: true } = {},
): ConformanceTarget {
  return {
    name,
    ...options,
    async open(scenario) {
      const url = `${base()}${prefix}/${scenario}/${randomBytes(6).toString("hex")}`;
      const control = async (action: ScenarioControl) => {
        const res = await send(url, { method: "POST", headers: { [CONTROL_HEADER]: action } });
        if (res.status !== 200) throw new Error(`control ${action} on ${url}: ${res.status} ${res.text}`);
        return res.json as { calls: string[]; logs?: string[] };
      };
      return {
        url,
        calls: async () => (await control("calls")).calls,
        logs: async () => (await control("calls")).logs ?? [],
        release: async () => void (await control("release")),
        succeed: async () => void (await control("succeed")),
        idle: async () => void (await control("idle")),
        close: async () => {},
      };
    },
  };
}
