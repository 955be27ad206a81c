import { jobIdFromKey, keyFromJobId } from "@webhook-kit/bullmq";
import { createReceiver, providers, sign } from "@webhook-kit/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromStorable, readableData, storableData, toStorable } from "../packages/bullmq/src/storable.js";
import { redisHarness } from "./support/bullmq.js";
import { type SharedRedis, sharedRedis } from "./support/redis.js";

// BullMQ's own rule for custom ids (Job.validateOptions): not an integer, no ':' outside `a:b:c`; and text
// that survives UTF-8 (Redis and PostgreSQL store the id as bytes: a lone surrogate becomes U+FFFD).
const isWellFormed = (id: string) => Buffer.from(id, "utf8").toString("utf8") === id;
// PostgreSQL's text also refuses U+0000.
const bullmqAccepts = (id: string) =>
  `${Number.parseInt(id, 10)}` !== id && !id.includes(":") && !id.includes("\u0000") && isWellFormed(id);

/** Keys heavy in what the mapping escapes: '%', ':', the letters of an escape, and (lone) surrogates. */
const tricky = fc.string({
  minLength: 1,
  unit: fc.oneof(
    fc.constantFrom("%", ":", "u", "D", "8", "0", "3", "A", "\u0000", "~", "w", "k"),
    fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)),
  ),
});

describe("job id ⇄ idempotency key", () => {
  it.each([
    ["eulabel:passport.published:9f2c", "eulabel%3Apassport.published%3A9f2c"],
    ["100%:x", "100%25%3Ax"],
    ["12345", "%312345"],
    ["-7", "%2D7"],
    ["0", "%30"],
    ["007", "007"],
    ["msg_2fT", "msg_2fT"],
    // Lone surrogates: UTF-8 (ioredis, PostgreSQL) has no bytes for them, so they are escaped like RedisStore's.
    ["generic:evt_lone\uD800x", "generic%3Aevt_lone%uD800x"],
    ["\uDFFF1", "%uDFFF1"],
    ["7\uDC00", "7%uDC00"],
    ["pair\uD83D\uDE00", "pair\uD83D\uDE00"],
    ["%uD800", "%25uD800"],
  ])("%s → %s", (key, id) => {
    expect(jobIdFromKey(key)).toBe(id);
    expect(keyFromJobId(id)).toBe(key);
    expect(bullmqAccepts(id)).toBe(true);
  });

  it("is reversible and always acceptable to BullMQ, for any non-empty key", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ minLength: 1, unit: "binary" }), tricky), (key) => {
        const id = jobIdFromKey(key);
        expect(keyFromJobId(id)).toBe(key);
        expect(bullmqAccepts(id)).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is injective on colliding pairs: a key spelled like another key's id gets an id of its own", () => {
    fc.assert(
      fc.property(tricky, (key) => {
        const lookalike = jobIdFromKey(key);
        fc.pre(lookalike !== key);
        expect(jobIdFromKey(lookalike)).not.toBe(jobIdFromKey(key));
      }),
      { numRuns: 2_000 },
    );
  });

  it("is injective: two keys never share an id", () => {
    fc.assert(
      fc.property(tricky, tricky, (a, b) => {
        fc.pre(a !== b);
        expect(jobIdFromKey(a)).not.toBe(jobIdFromKey(b));
      }),
      { numRuns: 2_000 },
    );
  });
});

/** Every string in JSON-shaped data, object keys included. */
const strings = (value: unknown): string[] =>
  typeof value === "string"
    ? [value]
    : Array.isArray(value)
      ? value.flatMap(strings)
      : typeof value === "object" && value !== null
        ? Object.entries(value).flatMap(([k, v]) => [k, ...strings(v)])
        : [];

describe("stored strings (toStorable): any string survives jsonb and UTF-8", () => {
  const storable = (s: string) => !s.includes("\u0000") && isWellFormed(s);
  it("round-trips every string, and what is stored has no U+0000 or lone surrogate", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), tricky), (value) => {
        const stored = toStorable(value);
        expect(storable(stored)).toBe(true);
        expect(fromStorable(stored)).toBe(value);
      }),
      { numRuns: 3_000 },
    );
  });

  it("round-trips whole job data (keys of objects too) and leaves ordinary strings as they are", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), tricky, (value, odd) => {
        const data = { value, [odd]: [odd, { odd }] };
        const stored = storableData(data);
        expect(strings(stored).every(storable)).toBe(true);
        expect(readableData(stored)).toEqual(data);
      }),
      { numRuns: 1_000 },
    );
    expect(toStorable("eulabel:passport.published:9f2c")).toBe("eulabel:passport.published:9f2c");
  });
});

describe("BullMQQueue on Redis: a key with a lone surrogate", () => {
  let redis: SharedRedis;
  beforeAll(async () => {
    redis = await sharedRedis();
  });
  afterAll(async () => {
    await redis?.release();
  });

  const SECRET = "whsec_lone_surrogate_test";
  // Valid JSON whose `id` holds a lone surrogate (an escape in the text; JSON.parse keeps it).
  const body = (id: string) =>
    `{"id":"${id}","type":"user.created","created_at":"2026-01-01T00:00:00Z","data":{"id":"u_1"}}`;

  it("runs once per key, keys differing only in lone surrogates stay apart, and a dead letter shows the key", async () => {
    const h = redisHarness(redis.url);
    const provider = providers.generic({ secret: SECRET });
    const receiver = createReceiver({ provider, queue: h.queue, logger: false });
    const seen: string[] = [];
    receiver.on("user.created", (event) => {
      if (event.id.includes("fail")) throw new Error("downstream refused");
      seen.push(event.id);
    });
    const worker = receiver.work({ attempts: 1 });
    try {
      const post = async (id: string) => {
        const wire = await sign(provider, body(id));
        const res = await receiver.handle({ method: "POST", headers: wire.headers, rawBody: wire.body });
        return res.status;
      };
      for (const id of ["evt_lone\\ud800x", "evt_lone\\udfffx", "evt_fail\\ud800"])
        expect(await post(id)).toBe(202);
      expect(await post("evt_lone\\ud800x")).toBe(200); // the duplicate
      const until = Date.now() + 10_000;
      while ((seen.length < 2 || (await h.queue.listDeadLetters()).length < 1) && Date.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 25));
      expect(seen.sort()).toEqual(["generic:evt_lone\uD800x", "generic:evt_lone\uDFFFx"]);
      const letters = await h.queue.listDeadLetters();
      expect(letters.map((l) => l.key)).toEqual(["generic:evt_fail\uD800"]);
      expect(await h.queue.replayDeadLetter("generic:evt_fail\uD800")).toBe(true);
    } finally {
      await worker.close();
      await h.close();
    }
  });
});
