import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { createReceiver, MemoryQueue, type WebhookError, type WebhookEvent } from "@webhook-kit/core";
import { buildSync } from "esbuild";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { runRoutes } from "../../packages/core/src/dispatch/run-handlers.js";
import { Router } from "../../packages/core/src/router.js";
import { Ticker } from "../../packages/core/src/ticker.js";
import { eulabel, passportEvent, signedDelivery } from "../support/deliveries.js";

// A durable job records finished handlers by id; the next deploy must read each id as the same handler, or
// a handler that never ran is skipped. These tests play two deploys against one queue.

const TYPE = "passport.published";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(check: () => boolean | Promise<boolean>, what: string) {
  const end = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const workers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.close()));
});

type On = (handler: (event: WebhookEvent) => unknown, options?: { id: string }) => void;

/**
 * Deploy 1 runs the delivery once (attempts: 1, so a failure parks it); deploy 2 — a new receiver on the same
 * queue with its own handlers — replays the dead letter, as `webhook-kit dead-letters replay` does.
 */
async function twoDeploys(deploy1: (on: On) => void, deploy2: (on: On) => void) {
  const queue = new MemoryQueue();
  const errors: WebhookError[] = [];
  const make = (register: (on: On) => void) => {
    const receiver = createReceiver({
      provider: eulabel(),
      queue,
      logger: false,
      onError: (e) => errors.push(e),
    });
    register((handler, options) => receiver.on(TYPE, handler, options));
    return receiver;
  };
  let probed = false;
  const first = make(deploy1);
  const { body, headers } = await signedDelivery(passportEvent(TYPE));
  expect((await first.handle({ method: "POST", headers, rawBody: body })).status).toBe(202);
  const w1 = first.work({ attempts: 1 });
  await until(async () => (await queue.listDeadLetters()).length === 1, "deploy 1's dead letter");
  await w1.close();
  const [dead] = await queue.listDeadLetters();
  // A handler only deploy 2 has: once it ran, closing the worker waits for the rest of that run.
  const second = make((on) => {
    deploy2(on);
    on(
      () => {
        probed = true;
      },
      { id: "probe" },
    );
  });
  const w2 = second.work({ attempts: 1 });
  workers.push(w2);
  expect(await queue.replayDeadLetter(dead!.key)).toBe(true);
  const settle = async () => {
    await until(() => probed, "deploy 2's run");
    await w2.close();
    expect(await queue.listDeadLetters()).toEqual([]);
  };
  return { dead: dead!, settle };
}

class Counter {
  n = 0;
  constructor(public fail = false) {}
  count() {
    this.n += 1;
    if (this.fail) throw new Error("down");
  }
}

describe("handler ids across deploys: a recorded success always means the same handler", () => {
  it("bound methods (all print `[native code]`): a handler added in front is never skipped; the unit reruns together", async () => {
    const mailer = new Counter();
    const audit = new Counter(true);
    const metrics = new Counter();
    const { settle, dead } = await twoDeploys(
      (on) => {
        on(mailer.count.bind(mailer));
        on(audit.count.bind(audit));
      },
      (on) => {
        on(metrics.count.bind(metrics));
        on(mailer.count.bind(mailer));
        on(audit.count.bind(audit));
        audit.fail = false;
      },
    );
    await settle();
    // Before: the ids fell back to registration order, so metrics inherited mailer's "done" and never ran,
    // mailer inherited nothing and ran twice. Now: nothing of the unit was recorded done, so all of it runs.
    expect(dead.done).toEqual([]);
    expect({ metrics: metrics.n, mailer: mailer.n, audit: audit.n }).toEqual({
      metrics: 1,
      mailer: 2,
      audit: 2,
    });
  });

  it("named functions and { id } keep their progress across a deploy that adds a handler in front", async () => {
    const runs = { receipt: 0, audit: 0, metrics: 0 };
    let auditDown = true;
    function sendReceipt() {
      runs.receipt += 1;
    }
    const audit = () => {
      runs.audit += 1;
      if (auditDown) throw new Error("down");
    };
    function countMetrics() {
      runs.metrics += 1;
    }
    const { settle, dead } = await twoDeploys(
      (on) => {
        on(sendReceipt);
        on(audit, { id: "audit" });
      },
      (on) => {
        auditDown = false;
        on(countMetrics);
        on(sendReceipt);
        on(audit, { id: "audit" });
      },
    );
    await settle();
    expect(dead.done).toEqual([`${TYPE}@sendReceipt`]);
    expect(runs).toEqual({ receipt: 1, audit: 2, metrics: 1 });
  });

  it("factory closures (one source, no name) are one unit: adding a third runs all three, skips none", async () => {
    const runs: string[] = [];
    let failing = "crm";
    const forward = (target: string) => () => {
      runs.push(target);
      if (target === failing) throw new Error(`${target} down`);
    };
    const { settle } = await twoDeploys(
      (on) => {
        on(forward("mail"));
        on(forward("crm"));
      },
      (on) => {
        failing = "";
        on(forward("slack"));
        on(forward("mail"));
        on(forward("crm"));
      },
    );
    await settle();
    expect(runs.sort()).toEqual(["crm", "crm", "mail", "mail", "slack"]);
  });

  it("a unit that succeeded is never recorded: a deploy that swaps one bound handler (or one closure) for another runs the new one", async () => {
    // Attack pass: every bound function prints `[native code]` and a factory's closures share one source, so
    // no hash of sources tells deploy 1's unit from deploy 2's; a recorded unit skipped a handler that never ran.
    const runs: string[] = [];
    let auditDown = true;
    function audit() {
      runs.push("audit");
      if (auditDown) throw new Error("down");
    }
    const mailer = { send: () => runs.push("mailer") };
    const search = { index: () => runs.push("search") };
    const forward = (target: string) => () => runs.push(target);
    const { settle, dead } = await twoDeploys(
      (on) => {
        on(mailer.send.bind(mailer));
        on(forward("crm"));
        on(audit);
      },
      (on) => {
        auditDown = false;
        on(search.index.bind(search));
        on(forward("slack"));
        on(audit);
      },
    );
    await settle();
    expect(dead.done).toEqual([]);
    expect(runs.sort()).toEqual(["audit", "audit", "crm", "mailer", "search", "slack"]);
  });

  it("a job written by the previous release (ids `type#<hash>` / `type#n`) skips nothing: unknown ids match no handler", async () => {
    const runs = { receipt: 0, anon: 0, hexName: 0 };
    let down = true;
    // Named like an old hash id: a format "type#name" would let it inherit the other handler's success.
    function deadbeef() {
      runs.hexName += 1;
    }
    function sendReceipt() {
      runs.receipt += 1;
    }
    const anon = () => {
      runs.anon += 1;
    };
    const failing = () => {
      if (down) throw new Error("down");
    };
    // Deploy 1 stands in for the old release: it records the ids that release gave these handlers.
    const { settle, dead } = await twoDeploys(
      (on) => {
        on(sendReceipt, { id: `${TYPE}#deadbeef` });
        on(anon, { id: `${TYPE}#1` });
        on(failing, { id: "failing" });
      },
      (on) => {
        down = false;
        on(deadbeef);
        on(sendReceipt);
        on(anon);
        on(failing, { id: "failing" });
      },
    );
    await settle();
    expect(dead.done).toEqual([`${TYPE}#deadbeef`, `${TYPE}#1`]);
    expect(runs).toEqual({ receipt: 2, anon: 2, hexName: 1 });
  });
});

describe("Router: the id format (documented in docs/durable.md)", () => {
  const ids = (router: Router, type = TYPE) => router.routes(type).map((route) => route.id);

  it("{ id } as given (several types: id:type); a unique name of 3+ characters: type@name; the rest: one unit", () => {
    const router = new Router();
    const mailer = new Counter();
    function sendReceipt() {}
    function handle() {}
    const twin = function handle() {};
    router.add([TYPE], sendReceipt);
    router.add([TYPE, "passport.updated"], () => {}, "crm");
    router.add([TYPE], () => {});
    router.add([TYPE], mailer.count.bind(mailer));
    router.add([TYPE], handle);
    router.add([TYPE], twin);
    router.add([TYPE], function ab() {});
    router.add([TYPE], new Function("event", "return event") as () => void);
    router.add(["*"], function everything() {});
    const [named, crm, ...rest] = ids(router);
    expect(named).toBe(`${TYPE}@sendReceipt`);
    expect(crm).toBe(`crm:${TYPE}`);
    const unit = rest.slice(0, 6);
    expect(new Set(unit).size).toBe(1);
    expect(unit[0]).toBe(`${TYPE}@unnamed`);
    expect(rest[6]).toBe("*@everything");
    expect(ids(router, "passport.updated")).toEqual(["crm:passport.updated", "*@everything"]);
  });

  it("the unit's id names no member (`<type>@unnamed`): nothing about its members survives a deploy", () => {
    const a = new Router();
    const b = new Router();
    a.add([TYPE], () => 1);
    b.add([TYPE], () => 2);
    b.add([TYPE], (() => {}).bind(null));
    expect(ids(a)).toEqual([`${TYPE}@unnamed`]);
    expect(ids(b)).toEqual([`${TYPE}@unnamed`, `${TYPE}@unnamed`]);
  });

  it("a name taken by an explicit id, or given twice within a type, goes to the unit; one per type is fine", () => {
    const router = new Router();
    function send() {}
    router.add([TYPE], () => {}, `${TYPE}@send`);
    router.add([TYPE], send);
    router.add(["passport.updated"], send);
    expect(ids(router)[1]).toBe(`${TYPE}@unnamed`);
    expect(ids(router, "passport.updated")).toEqual(["passport.updated@send"]);
  });

  it('refuses an empty id, and a delivery of type "*" runs each "*" handler once', () => {
    const router = new Router();
    expect(() => router.add([TYPE], () => {}, "")).toThrow(/non-empty string/);
    router.add(["*"], function everything() {});
    expect(ids(router, "*")).toEqual(["*@everything"]);
  });
});

describe("runRoutes: a unit is reported done only when every member succeeded", () => {
  const ticker = new Ticker(10);
  const event = { id: "k", type: TYPE, payload: {}, provider: "p", receivedAt: 0, headers: {} };

  it("sync and async members: one report for the unit, after the last; none when one fails", async () => {
    const done: string[] = [];
    const unit = (handler: () => unknown) => ({ id: "u", handler, member: "an anonymous function" });
    const failures = await runRoutes(
      [unit(() => 1), unit(() => sleep(20)), { id: "solo", handler: () => {} }],
      event,
      ticker,
      10_000,
      (id) => done.push(id),
    );
    expect(failures).toEqual([]);
    expect(done).toEqual(["solo", "u"]);

    const none: string[] = [];
    const failed = await runRoutes(
      [unit(() => {}), unit(() => Promise.reject(new Error("boom")))],
      event,
      ticker,
      10_000,
      (id) => none.push(id),
    );
    expect(none).toEqual([]);
    expect(failed).toMatchObject([{ id: "u", member: "an anonymous function" }]);
  });
});

describe("the same module before and after a minifier (esbuild)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "wk-handler-ids-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const source = `
class Mailer { send(event) { return event.id; } }
const mailer = new Mailer();
const forward = (target) => (event) => [target, event.id];
export function sendReceipt(event) { return event.id; }
export function register(on) {
  on(sendReceipt);
  on(function auditTrail(event) { return event.id; });
  on((event) => event.id, { id: "crm" });
  on((event) => event.type);
  on(mailer.send.bind(mailer));
  on(forward("slack"));
  on(forward("teams"));
}
`;
  writeFileSync(path.join(dir, "handlers.js"), source);

  async function idsOf(options: { minify?: boolean; keepNames?: boolean }, label: string) {
    const out = buildSync({
      entryPoints: [path.join(dir, "handlers.js")],
      bundle: true,
      format: "esm",
      write: false,
      ...options,
    });
    const file = path.join(dir, `${label}.mjs`);
    writeFileSync(file, out.outputFiles[0]!.text);
    const mod = (await import(pathToFileURL(file).href)) as { register(on: On): void };
    const router = new Router();
    mod.register((handler, opts) => router.add([TYPE], handler, opts?.id));
    return router.routes(TYPE).map((route) => route.id);
  }

  it("named and id'd handlers keep their ids with keepNames; a mangled name joins the unit and never matches an old id", async () => {
    const plain = await idsOf({}, "plain");
    const kept = await idsOf({ minify: true, keepNames: true }, "kept");
    const mangled = await idsOf({ minify: true }, "mangled");
    expect(plain.slice(0, 3)).toEqual([`${TYPE}@sendReceipt`, `${TYPE}@auditTrail`, "crm"]);
    expect(new Set(plain.slice(3)).size).toBe(1);
    expect(plain[3]).toBe(`${TYPE}@unnamed`);
    expect(kept.slice(0, 3)).toEqual(plain.slice(0, 3));
    expect(mangled[2]).toBe("crm");
    // Minified names (one or two letters) are no ids: those handlers are unit members.
    expect(mangled.filter((id) => id.endsWith("@unnamed")).length).toBe(6);
    // The safety property: a recorded id (units never are) of the minified build that the plain build also
    // has is the same handler.
    const recorded = (id: string) => !id.endsWith("@unnamed");
    plain.forEach((id, i) => {
      const j = mangled.indexOf(id);
      if (recorded(id) && j >= 0) expect(j).toBe(i);
    });
    expect(mangled.filter((id) => recorded(id) && plain.includes(id))).toEqual(["crm"]);
  });
});

describe("the warning at work() start names the handlers that need an { id }", () => {
  function capture() {
    const lines: { obj: unknown; msg: string }[] = [];
    const log = (obj: unknown, msg?: string) => lines.push({ obj, msg: msg ?? "" });
    return { lines, logger: { debug: () => {}, info: () => {}, warn: log, error: () => {} } };
  }
  const receiverWith = (logger: ReturnType<typeof capture>["logger"]) =>
    createReceiver({ provider: eulabel(), queue: new MemoryQueue(), logger });

  it("names bound, anonymous and repeated handlers, per type; nothing when every handler has a stable id", async () => {
    const { lines, logger } = capture();
    const receiver = receiverWith(logger);
    const mailer = new Counter();
    function handle() {}
    receiver.on(TYPE, mailer.count.bind(mailer));
    receiver.on(TYPE, () => {});
    receiver.on("passport.updated", handle);
    receiver.on("passport.updated", function handle() {});
    receiver.on(TYPE, function sendReceipt() {});
    receiver.on(TYPE, () => {}, { id: "crm" });
    expect(lines).toEqual([]); // registering warns nothing: only a worker records progress
    workers.push(receiver.work());
    expect(lines).toHaveLength(1);
    const { msg, obj } = lines[0]!;
    expect(msg).toContain("{ id:");
    expect((obj as { handlers: string[] }).handlers).toEqual([
      `${TYPE}: a bound function (bound count)`,
      `${TYPE}: an anonymous function`,
      'passport.updated: "handle" (2 handlers of passport.updated have this name)',
      'passport.updated: "handle" (2 handlers of passport.updated have this name)',
    ]);
    expect(msg).not.toContain("sendReceipt");
    expect(msg).not.toContain("crm");

    const quiet = capture();
    const ok = receiverWith(quiet.logger);
    ok.on(TYPE, function sendReceipt() {});
    ok.on(TYPE, () => {}, { id: "crm" });
    workers.push(ok.work());
    expect(quiet.lines).toEqual([]);
  });
});
