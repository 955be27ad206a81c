import {
  createReceiver,
  type IdempotencyStore,
  type Logger,
  providers,
  type ReceiverCore,
  type ReceiverOptions,
} from "@webhook-kit/core";

// The receiver configurations the conformance suite needs, by name. In-process adapters build them in the
// test; the Next.js fixture app (test/fixtures/next-app) builds the very same ones inside `next start`, one
// per route instance, so every row runs unchanged against real Next.js.

export const SCENARIOS = [
  /** Defaults; every handler run is recorded. */
  "plain",
  /** An allow-list that excludes loopback. */
  "allow-denied",
  /** An allow-list of loopback only. */
  "allow-loopback",
  /** An allow-list of a documentation range (198.51.100.0/24), for proxy-address tests. */
  "allow-doc-range",
  /** maxBodyBytes 1024. */
  "small-limit",
  /** bodyTimeoutMs 200. */
  "short-body-timeout",
  /** bodyTimeoutMs of 10 minutes: a receiver that waited on the body would never answer within a test. */
  "patient",
  /** Handlers wait until released (the `release` control). */
  "gated",
  /** Handlers throw (with the secret in the message) until told to succeed (the `succeed` control). */
  "failing",
  /** ackDeadlineMs 100; handlers take 400 ms. */
  "slow-ack",
  /** ack "immediate"; handlers take 50 ms. */
  "immediate",
  /** A store whose every call fails, as an unreachable Redis would. */
  "broken-store",
  /** A handler for passport.deleted only. */
  "unhandled",
  /** Two secrets: "new-secret" and the suite's. */
  "rotation",
] as const;

export type ScenarioName = (typeof SCENARIOS)[number];

/** How a test steers a scenario and reads what its handlers did. */
export type ScenarioControl = "calls" | "release" | "succeed" | "idle";

export interface Scenario {
  receiver: ReceiverCore;
  /** `${type}@${payload.timestamp}` of every handler run, in order. */
  calls: string[];
  /** `${level}: ${message}` of every line the receiver (and its adapter) logged, in order. */
  logs: string[];
  control(action: ScenarioControl): Promise<{ calls: string[]; logs: string[] }>;
}

/** Keeps each line for the suite to read, and still prints warnings and errors as the default does. */
function recordingLogger(logs: string[]): Logger {
  const record =
    (level: keyof Logger) =>
    (obj: object, msg?: string): void => {
      logs.push(`${level}: ${msg ?? ""}`);
      if (level === "warn" || level === "error") console.error(`[webhook-kit] ${level}: ${msg ?? ""}`, obj);
    };
  return { debug: record("debug"), info: record("info"), warn: record("warn"), error: record("error") };
}

const brokenStore: IdempotencyStore = {
  claim: () => Promise.reject(new Error("ECONNREFUSED")),
  complete: () => Promise.reject(new Error("ECONNREFUSED")),
  release: () => Promise.reject(new Error("ECONNREFUSED")),
  renew: () => Promise.reject(new Error("ECONNREFUSED")),
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

type Options = Omit<ReceiverOptions<ReturnType<typeof providers.eulabel>["events"]>, "provider">;

const OPTIONS: Partial<Record<ScenarioName, Options>> = {
  "allow-denied": { allowedIps: ["10.0.0.0/8", "2001:db8::/32"] },
  "allow-loopback": { allowedIps: ["127.0.0.0/8", "::1/128"] },
  "allow-doc-range": { allowedIps: ["198.51.100.0/24"] },
  "small-limit": { maxBodyBytes: 1024 },
  "short-body-timeout": { bodyTimeoutMs: 200 },
  patient: { bodyTimeoutMs: 600_000 },
  "slow-ack": { ackDeadlineMs: 100 },
  immediate: { ack: "immediate" },
  "broken-store": { store: brokenStore },
};

export function isScenario(name: string): name is ScenarioName {
  return (SCENARIOS as readonly string[]).includes(name);
}

/**
 * A fresh receiver for one scenario (its own MemoryStore), signed deliveries checked against `secret`.
 *
 * @example
 * const { receiver, calls } = createScenario("plain", CONFORMANCE_SECRET);
 */
export function createScenario(name: ScenarioName, secret: string): Scenario {
  const calls: string[] = [];
  const logs: string[] = [];
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let failing = name === "failing";
  const secrets = name === "rotation" ? ["new-secret", secret] : secret;
  const receiver = createReceiver({
    provider: providers.eulabel({ secret: secrets }),
    logger: recordingLogger(logs),
    ...OPTIONS[name],
  });
  const handler = async (event: { type: string; payload: unknown }) => {
    calls.push(`${event.type}@${(event.payload as { timestamp?: string }).timestamp}`);
    if (name === "gated") await gate;
    if (failing) throw new Error(`database down, secret=${secret}`);
    if (name === "slow-ack") await sleep(400);
    if (name === "immediate") await sleep(50);
  };
  if (name === "unhandled") receiver.on("passport.deleted", handler);
  else receiver.on("*", handler);
  return {
    receiver,
    calls,
    logs,
    async control(action) {
      if (action === "release") release();
      if (action === "succeed") failing = false;
      if (action === "idle") await receiver.idle();
      return { calls: [...calls], logs: [...logs] };
    },
  };
}

/** The header that turns a request to a scenario's route into a control call (never a delivery). */
export const CONTROL_HEADER = "x-conformance-control";

/**
 * One scenario instance per (scenario, instance id): each test gets fresh state without a new server. The
 * routes of a `remoteTarget` server look their receiver up here, with `CONFORMANCE_SECRET`.
 *
 * @example
 * const scenarioFor = scenarioRegistry(() => CONFORMANCE_SECRET);
 * // in the route for `${prefix}/:scenario/:instance`:
 * const scenario = scenarioFor(params.scenario, params.instance); // its `receiver`, `control(action)`
 */
export function scenarioRegistry(secret: () => string) {
  const instances = new Map<string, Scenario>();
  return (name: string, instance: string): Scenario | undefined => {
    if (!isScenario(name)) return undefined;
    const id = `${name}/${instance}`;
    let scenario = instances.get(id);
    if (!scenario) {
      scenario = createScenario(name, secret());
      instances.set(id, scenario);
    }
    return scenario;
  };
}
