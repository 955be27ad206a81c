import { readFileSync } from "node:fs";
import { type Provider, providers } from "@webhook-kit/core";
import { platforms, signDelivery, type TestPlatform } from "@webhook-kit/testing";
import { describe, expect, it } from "vitest";
import { duration } from "../packages/testing/src/cli/duration.js";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const entries: TestPlatform[] = Object.values(platforms);
const presetKeys = Object.keys(providers);
// Discord verifies with a public key, not a secret: every preset gets both and reads its own.
const DISCORD_PUBLIC_KEY = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"; // RFC 8032 test 1: a real curve point
const preset =
  (key: string) =>
  (options: { secret: string }): Provider =>
    (providers as unknown as Record<string, (o: { secret: string; publicKey: string }) => Provider>)[key]!({
      ...options,
      publicKey: DISCORD_PUBLIC_KEY,
    });

/** What a provider states as data: the facts testing and the docs read from it. */
const facts = (provider: Provider) => ({
  events: Object.keys(provider.events),
  signs: provider.signs,
  timeoutMs: provider.timeoutMs,
  retrySchedule: provider.retrySchedule,
  retentionMs: provider.retentionMs,
});

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
/** core/src/providers/<file>.ts for presets whose key is not their file name. */
const presetFile: Record<string, string> = {
  eulabelInbound: "eulabel-inbound",
  standardWebhooks: "standard-webhooks",
};

describe("one registry: core's presets and testing's platforms match one to one", () => {
  it("every preset in core's `providers` has a testing entry, and every entry names a preset", () => {
    const covered = new Set<string>(entries.map((platform) => platform.preset));
    expect(presetKeys.filter((key) => !covered.has(key))).toEqual([]);
    expect(entries.filter((platform) => !presetKeys.includes(platform.preset)).map((p) => p.name)).toEqual(
      [],
    );
  });

  it.each(entries)("$name: builds its preset, under the name it is filed as", (platform) => {
    const provider = platform.create(SECRET);
    expect(provider.name).toBe(platform.name);
    expect(facts(provider)).toEqual(facts(preset(platform.preset)({ secret: SECRET })));
    expect(Object.keys(platform.fixtures).length).toBeGreaterThan(0);
  });

  it.each(entries)("$name: states a retry schedule only where its preset states none", (platform) => {
    const stated = platform.create(SECRET).retrySchedule;
    expect(stated === undefined || platform.retrySchedule === undefined).toBe(true);
    const schedule = stated ?? platform.retrySchedule;
    expect(schedule?.[0]).toBe(0);
  });

  it.each(entries)(
    "$name: a schedule stated here is marked assumed; so is one its preset assumes",
    (platform) => {
      if (platform.retrySchedule !== undefined) expect(platform.assumed?.retrySchedule).toBe(true);
      // Core's own comment says where a preset's schedule is not the sender's published one.
      const source = read(`packages/core/src/providers/${presetFile[platform.preset] ?? platform.preset}.ts`);
      const assumedInCore = /schedule is documented|is assumed|delays unpublished/.test(source);
      expect(platform.assumed?.retrySchedule === true, `${platform.name} schedule`).toBe(
        assumedInCore || platform.retrySchedule !== undefined,
      );
    },
  );

  it.each(entries)(
    "$name: every header its deliveries carry besides the signature is one its preset declares (a queued job keeps those)",
    async (platform) => {
      const provider = platform.create(SECRET);
      const [event, payload] = Object.entries(platform.fixtures)[0]!;
      const wire = await signDelivery(provider, payload as Record<string, unknown>, { event });
      const signature = provider.signature.headers ?? [];
      const extra = Object.keys(wire.headers).filter(
        (name) => !["content-type", "user-agent", ...signature].includes(name),
      );
      expect(extra.filter((name) => !(provider.deliveryHeaders ?? []).includes(name))).toEqual([]);
    },
  );

  it.each(presetKeys)("%s: says what it signs, and keeps keys past its sender's last attempt", (key) => {
    const provider = preset(key)({ secret: SECRET });
    expect(provider.signs).toMatch(/\S/);
    const schedule = provider.retrySchedule ?? [0];
    const lastAttemptEnds =
      schedule.reduce((sum, delay) => sum + delay, 0) + schedule.length * (provider.timeoutMs ?? 0);
    expect(provider.retentionMs).toBeGreaterThan(lastAttemptEnds);
  });
});

describe("the docs list what the registry holds", () => {
  it("docs/providers.md's preset table: every preset, in order, with its timeout and retention", () => {
    const doc = read("docs/providers.md");
    const table = doc.slice(doc.indexOf("## The presets"), doc.indexOf("### Where the event type lives"));
    const rows = table
      .split("\n")
      .filter((line) => /^\| `/.test(line))
      .map((line) => line.split("|").map((cell) => cell.trim()));
    expect(rows.map((row) => /^`(\w+)`/.exec(row[1]!)?.[1])).toEqual(presetKeys);
    for (const row of rows) {
      const key = /^`(\w+)`/.exec(row[1]!)![1]!;
      const provider = preset(key)({ secret: SECRET });
      expect(row[6]!.startsWith(`${duration(provider.timeoutMs!)} `), `${key} timeout: ${row[6]}`).toBe(true);
      // "(assumed)" in the docs exactly where the registry says the timeout is the kit's assumption.
      const assumed = entries.filter((platform) => platform.preset === key && platform.assumed?.timeoutMs);
      expect(row[6]!.includes("(assumed)"), `${key} timeout assumed: ${row[6]}`).toBe(assumed.length > 0);
      expect(row[7], `${key} retention`).toBe(duration(provider.retentionMs!));
    }
  });

  it("docs/receiving.md's preset table and docs/providers.md's event-type table: every preset, in order", () => {
    const readme = read("docs/receiving.md");
    const presets = readme.slice(
      readme.indexOf("## Presets"),
      readme.indexOf("Anything else: `defineProvider`"),
    );
    const rows = presets.split("\n").filter((line) => line.startsWith("| `providers."));
    expect(rows.map((row) => /`providers\.(\w+)`/.exec(row)?.[1])).toEqual(presetKeys);
    for (const row of rows) {
      const key = /`providers\.(\w+)`/.exec(row)![1]!;
      const retention = row.split("|").at(-2)?.trim();
      expect(retention, `${key} retention`).toBe(duration(preset(key)({ secret: SECRET }).retentionMs!));
    }
    const doc = read("docs/providers.md");
    const types = doc.slice(
      doc.indexOf("### Where the event type lives"),
      doc.indexOf("`X-Webhook-Event` is never"),
    );
    expect([...types.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1])).toEqual(presetKeys);
  });

  it("packages/testing/README.md's --provider row names every registry entry, in order", () => {
    const row = read("packages/testing/README.md")
      .split("\n")
      .find((line) => line.startsWith("| `--provider <name>`"));
    const named = [
      ...(row ?? "")
        .split("|")[2]!
        .split("— or")[0]!
        .matchAll(/`([\w-]+)`/g),
    ].map((m) => m[1]);
    expect(named).toEqual(Object.keys(platforms));
  });
});
