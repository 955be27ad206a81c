import {
  type ClaimResult,
  createReceiver,
  type IdempotencyStore,
  MemoryStore,
  type ReceiverOptions,
  type WebhookError,
} from "@webhook-kit/core";
import { describe, expect, it } from "vitest";
import { capturingLogger, sleep } from "../hardening/support.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// The receiver's decisions that the contract table names but no other test pins down to the boundary:
// method spelling, size boundaries, Retry-After rounding, store failures of every shape, the messages and
// log lines an operator reads, and the fetch entry's own refusals.

type Options = Partial<ReceiverOptions<ReturnType<typeof eulabel>["events"]>>;

async function delivery(extra: Record<string, string> = {}, payload: unknown = passportEvent()) {
  const { body, headers } = await signedDelivery(payload);
  return { method: "POST", headers: { ...headers, ...extra }, rawBody: body, remoteAddress: "127.0.0.1" };
}

function receiver(options: Options = {}, handler?: () => unknown) {
  const logger = capturingLogger();
  const errors: WebhookError[] = [];
  const r = createReceiver({ provider: eulabel(), logger, onError: (e) => errors.push(e), ...options });
  let runs = 0;
  r.on("*", async () => {
    runs += 1;
    await handler?.();
  });
  return { r, logger, errors, runs: () => runs };
}

const body = (res: { body: string }) => JSON.parse(res.body) as Record<string, unknown>;

/** A MemoryStore whose claim answers what the test says. */
function storeAnswering(claim: () => Promise<ClaimResult> | ClaimResult): IdempotencyStore {
  const inner = new MemoryStore();
  return {
    claim: async () => claim(),
    complete: (...a) => inner.complete(...a),
    release: (...a) => inner.release(...a),
    renew: (...a) => inner.renew(...a),
  };
}

describe("method and size boundaries", () => {
  it("accepts POST in any case; any other method is 405 with Allow: POST", async () => {
    const { r } = receiver();
    expect((await r.handle({ ...(await delivery()), method: "post" })).status).toBe(200);
    for (const method of ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"]) {
      const res = await r.handle({ ...(await delivery()), method });
      expect(res.status, method).toBe(405);
      expect(res.headers.allow).toBe("POST");
      expect(body(res).message).toContain(method);
    }
  });

  it("a declared Content-Length equal to maxBodyBytes is read; one more byte is refused unread", async () => {
    const d = await delivery();
    const size = d.rawBody.length;
    const { r } = receiver({ maxBodyBytes: size });
    // Header checks come first: a declared length over the limit is refused without reading the body.
    let read = false;
    const readBody = () => {
      read = true;
      return d.rawBody;
    };
    const refused = await r.receive(
      { method: "POST", headers: { ...d.headers, "content-length": String(size + 1) } },
      readBody,
    );
    expect(refused.status).toBe(413);
    expect(body(refused).message).toContain(`maxBodyBytes (${size} bytes)`);
    expect(read).toBe(false);
    const accepted = await r.receive(
      { method: "POST", headers: { ...d.headers, "content-length": String(size) } },
      readBody,
    );
    expect(accepted.status).toBe(200);
    expect(read).toBe(true);
    const tight = receiver({ maxBodyBytes: size - 1 });
    expect((await tight.r.handle(await delivery())).status).toBe(413);
  });
});

describe("the idempotency store's answers and failures", () => {
  it("in_progress: Retry-After is the remaining lease in whole seconds, rounded up, at least 1", async () => {
    for (const [ms, header] of [
      [0, "1"],
      [1, "1"],
      [1_000, "1"],
      [1_001, "2"],
      [29_500, "30"],
    ] as const) {
      const { r, runs } = receiver({
        store: storeAnswering(() => ({ status: "in_progress", retryAfterMs: ms })),
      });
      const res = await r.handle(await delivery());
      expect(res.status).toBe(409);
      expect(res.headers["retry-after"], `${ms} ms`).toBe(header);
      expect(body(res)).toEqual({
        error: "in_progress",
        message: "This delivery is being processed right now; retry later.",
      });
      expect(runs()).toBe(0);
    }
  });

  it("a store that throws synchronously, rejects, or hangs past storeTimeoutMs: 503 with Retry-After 5, nothing runs", async () => {
    const shapes: [string, () => Promise<ClaimResult>][] = [
      [
        "throws",
        () => {
          throw new Error("sync failure");
        },
      ],
      ["rejects", () => Promise.reject(new Error("ECONNREFUSED"))],
      ["hangs", () => new Promise<ClaimResult>(() => {})],
    ];
    for (const [label, claim] of shapes) {
      const { r, runs, logger } = receiver({ store: storeAnswering(claim), storeTimeoutMs: 50 });
      const res = await r.handle(await delivery());
      expect(res.status, label).toBe(503);
      expect(res.headers["retry-after"], label).toBe("5");
      expect(body(res).message, label).toMatch(/unreachable.*retry later/);
      expect(runs(), label).toBe(0);
      const line = logger.lines.find((l) => l.level === "error");
      expect(line?.msg, label).toMatch(/idempotency store is unreachable/);
      if (label === "hangs")
        expect(String((line?.obj as { err?: Error } | undefined)?.err)).toMatch(
          /claim timed out after 50 ms/,
        );
    }
  });

  it("a duplicate is acknowledged and logged at info with its id", async () => {
    const { r, logger, runs } = receiver();
    const d = await delivery();
    await r.handle(d);
    const res = await r.handle(d);
    expect(body(res)).toEqual({ received: true, duplicate: true });
    expect(runs()).toBe(1);
    const line = logger.lines.find((l) => l.msg === "duplicate delivery acknowledged");
    expect(line?.level).toBe("info");
    expect(line?.obj).toMatchObject({ provider: "eulabel", type: "passport.published" });
  });
});

describe("handler failures", () => {
  it("says how many handlers failed and that the claim was released; the retry runs again", async () => {
    const { r, errors } = receiver({}, () => {
      throw new Error("boom");
    });
    r.on("passport.published", () => {});
    const res = await r.handle(await delivery());
    expect(res.status).toBe(500);
    expect(body(res).message).toMatch(
      /^1 of 2 handler\(s\) for passport\.published failed; the delivery was released/,
    );
    expect(errors).toEqual([]);
  });

  it("says so when the claim could not be released (it frees when its lease expires)", async () => {
    const store = new MemoryStore();
    store.release = () => Promise.reject(new Error("down"));
    const { r } = receiver({ store }, () => {
      throw new Error("boom");
    });
    const res = await r.handle(await delivery());
    expect(res.status).toBe(500);
    expect(body(res).message).toMatch(/could not be released and frees when its lease expires/);
  });

  it("an onError hook that throws changes nothing and is logged", async () => {
    const logger = capturingLogger();
    const store = new MemoryStore();
    store.complete = () => Promise.reject(new Error("write failed"));
    const r = createReceiver({
      provider: eulabel(),
      store,
      logger,
      onError: () => {
        throw new Error("hook bug");
      },
    });
    r.on("*", () => {});
    expect((await r.handle(await delivery())).status).toBe(200);
    expect(logger.lines.some((l) => l.msg === "onError threw" && l.level === "error")).toBe(true);
    const reported = logger.lines.find((l) => (l.obj as { code?: string }).code === "store_unavailable");
    expect(reported?.obj).toMatchObject({ provider: "eulabel", type: "passport.published" });
  });
});

describe("leases while handlers run", () => {
  it("logs a lost lease and a failed renewal, and still completes the delivery", async () => {
    const store = new MemoryStore();
    let renewals = 0;
    store.renew = async () => {
      renewals += 1;
      if (renewals === 1) return false;
      throw new Error("renew failed");
    };
    const { r, logger } = receiver({ store, leaseMs: 60, ackDeadlineMs: 5_000 }, () => sleep(150));
    const d = await delivery();
    expect((await r.handle(d)).status).toBe(200);
    expect(renewals).toBeGreaterThanOrEqual(2);
    const warnings = logger.lines.filter((l) => l.level === "warn").map((l) => l.msg);
    expect(warnings).toContain("lease lost while handlers ran");
    expect(warnings).toContain("lease renewal failed");
    // The faked renewals never extended the lease, so it lapsed: the retry is a new attempt (at least once).
    expect(body(await r.handle(d))).toEqual({ received: true });
  });
});

describe("acknowledgement", () => {
  it("past ackDeadlineMs: 202, a warning with the deadline, and idle() waits for every background handler", async () => {
    const { r, logger, runs } = receiver({ ackDeadlineMs: 20 }, () => sleep(80));
    const answers = await Promise.all([r.handle(await delivery()), r.handle(await delivery())]);
    expect(answers.map((a) => a.status)).toEqual([202, 202]);
    const warning = logger.lines.find((l) => l.msg === "handlers passed the ack deadline; answered 202");
    expect(warning?.obj).toMatchObject({ ackDeadlineMs: 20 });
    await r.idle();
    expect(runs()).toBe(2);
    const late = receiver({ ackDeadlineMs: 10 }, async () => {
      await sleep(30);
      throw new Error("late");
    });
    expect((await late.r.handle(await delivery())).status).toBe(202);
    await late.r.idle();
    expect(late.errors.map((e) => e.code)).toEqual(["handler_failed"]);
    // The cause names each failed handler and its message (never the payload).
    expect((late.errors[0]!.cause as AggregateError).message).toMatch(
      /^1 of 1 handler\(s\) for passport\.published failed — \S+( \(an anonymous function\))?: late$/,
    );
    expect(late.logger.lines.find((l) => l.msg === "webhook handler failed")?.level).toBe("error");
    expect(logger.lines.filter((l) => l.msg === "webhook handled")).toHaveLength(0);
  });

  it("within the deadline: 200 and an info line per handled delivery; unhandled types are logged too", async () => {
    const { r, logger } = receiver();
    expect((await r.handle(await delivery())).status).toBe(200);
    expect(logger.lines.find((l) => l.msg === "webhook handled")?.level).toBe("info");
    const only = createReceiver({ provider: eulabel(), logger });
    only.on("passport.deleted", () => {});
    expect(body(await only.handle(await delivery()))).toEqual({ received: true, handled: false });
    expect(
      logger.lines.some(
        (l) => l.msg?.startsWith("no handler for event type; acknowledged") && l.level === "warn",
      ),
    ).toBe(true);
    // Acknowledged and recorded as done: the sender's retry is a duplicate, not a 409 or a second run.
    const store = new MemoryStore();
    const recorded = createReceiver({ provider: eulabel(), store });
    recorded.on("passport.deleted", () => {});
    const d = await delivery();
    expect(body(await recorded.handle(d))).toEqual({ received: true, handled: false });
    expect(body(await recorded.handle(d))).toEqual({ received: true, duplicate: true });
  });
});

describe("refusals are logged without the request's secrets", () => {
  it("a rejected signature and a refused address are warnings naming the code or the address", async () => {
    const { r, logger } = receiver({ allowedIps: ["10.0.0.0/8"] });
    const refused = await r.handle({ ...(await delivery()), remoteAddress: "192.0.2.1" });
    expect(refused.status).toBe(403);
    expect(body(refused).message).toContain("192.0.2.1");
    expect(logger.lines.find((l) => l.msg === "client address not allowed")?.obj).toMatchObject({
      remoteAddress: "192.0.2.1",
    });
    const open = receiver();
    const bad = await open.r.handle(await delivery({ "x-eulabel-signature": `sha256=${"0".repeat(64)}` }));
    expect(bad.status).toBe(401);
    const line = open.logger.lines.find((l) => l.msg === "signature rejected");
    expect(line?.level).toBe("warn");
    expect(line?.obj).toMatchObject({ provider: "eulabel", code: "invalid_signature" });
  });

  it("an unexpected error is 500 internal_error and logged as such", async () => {
    const logger = capturingLogger();
    const base = eulabel();
    const r = createReceiver({
      provider: {
        ...base,
        eventType: () => {
          throw new Error("hook bug");
        },
      },
      logger,
    });
    const res = await r.handle(await delivery());
    expect(body(res)).toEqual({
      error: "internal_error",
      message: "Unexpected error; see the receiver's logs.",
    });
    expect(logger.lines.some((l) => l.msg === "unexpected error while handling a webhook")).toBe(true);
  });
});

describe("receiver.fetch", () => {
  it("uses the remoteAddress option for allow-lists and the URL's path", async () => {
    const { r } = receiver({ allowedIps: ["198.51.100.0/24"] });
    const { body: raw, headers } = await signedDelivery(passportEvent());
    const make = () =>
      new Request("http://127.0.0.1/hooks?x=1", { method: "POST", headers, body: Buffer.from(raw) });
    expect((await r.fetch(make(), { remoteAddress: "198.51.100.7" })).status).toBe(200);
    expect((await r.fetch(make(), { remoteAddress: "203.0.113.1" })).status).toBe(403);
    const blind = await r.fetch(make());
    expect(blind.status).toBe(403);
    expect(((await blind.json()) as { message: string }).message).toMatch(
      /^The client address \(unknown\) is not/,
    );
  });

  it("a body stream that errors is 400 body_aborted; a GET is 405 before anything is read", async () => {
    const { r, runs } = receiver();
    const { headers } = await signedDelivery(passportEvent());
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error("connection reset"));
      },
    });
    const res = await r.fetch(
      new Request("http://127.0.0.1/hooks", {
        method: "POST",
        headers,
        body: failing,
        duplex: "half",
      } as RequestInit),
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "body_aborted",
      message: "The client aborted or truncated the upload.",
    });
    const get = await r.fetch(new Request("http://127.0.0.1/hooks"));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(runs()).toBe(0);
  });
});
