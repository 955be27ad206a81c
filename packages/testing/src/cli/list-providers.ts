import { platforms } from "../platforms/index.js";
import { duration } from "./duration.js";
import type { CliIo, CommonArgs } from "./io.js";

/** What one platform's line says: its preset's own data, and what this kit sends for it. */
export interface ProviderSummary {
  name: string;
  preset: string;
  signs: string | undefined;
  timeoutMs: number | undefined;
  /** Whether the timeout is the kit's assumption (the platform publishes none). */
  assumedTimeout: boolean;
  /** The sender's schedule, or the one testing assumes where the preset states none. */
  retrySchedule: readonly number[] | undefined;
  /** Whether the schedule is an assumption (the preset's, or testing's where the preset states none). */
  assumedSchedule: boolean;
  retentionMs: number | undefined;
  examples: number;
}

/** Every platform the CLI knows, read from the registry and each preset's definition. */
export function providerSummaries(): ProviderSummary[] {
  return Object.values(platforms).map((platform) => {
    // The secret only keys the scheme; nothing is signed here.
    const provider = platform.create("whsec_dW51c2Vk");
    return {
      name: platform.name,
      preset: platform.preset,
      signs: provider.signs,
      timeoutMs: provider.timeoutMs,
      assumedTimeout: platform.assumed?.timeoutMs === true,
      retrySchedule: provider.retrySchedule ?? platform.retrySchedule,
      assumedSchedule:
        platform.assumed?.retrySchedule === true ||
        (provider.retrySchedule === undefined && platform.retrySchedule !== undefined),
      retentionMs: provider.retentionMs,
      examples: Object.keys(platform.fixtures).length,
    };
  });
}

/** Two lines: the preset and what it signs, then the sender's timing and what the kit has for it. */
function describe(summary: ProviderSummary, indent: string): string {
  const schedule = summary.retrySchedule;
  const attempts = schedule
    ? `${schedule.length} attempt${schedule.length === 1 ? "" : "s"}${
        schedule.length > 1 ? ` over ${duration(schedule.reduce((sum, delay) => sum + delay, 0))}` : ""
      }${summary.assumedSchedule ? " (assumed)" : ""}`
    : "retries unpublished";
  const timing = [
    `sender waits ${summary.timeoutMs === undefined ? "?" : duration(summary.timeoutMs)}${summary.assumedTimeout ? " (assumed)" : ""}`,
    attempts,
    `keys kept ${summary.retentionMs === undefined ? "?" : duration(summary.retentionMs)}`,
    `${summary.examples} example event${summary.examples === 1 ? "" : "s"}`,
  ].join(" · ");
  return `providers.${summary.preset} signs ${summary.signs ?? "?"}\n${indent}${timing}`;
}

/** `providers`: one platform per line (`--json`: the summaries), for `--provider`. */
export function listProviders(args: CommonArgs, io: CliIo): number {
  const summaries = providerSummaries();
  if (args.json) {
    io.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
    return 0;
  }
  const width = Math.max(...summaries.map((summary) => summary.name.length));
  const indent = " ".repeat(width + 2);
  for (const summary of summaries) {
    io.stdout.write(`${summary.name.padEnd(width)}  ${describe(summary, indent)}\n`);
  }
  return 0;
}
