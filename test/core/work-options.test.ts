import { createReceiver, MemoryQueue, providers, type WebhookError } from "@webhook-kit/core";
import { describe, expect, it } from "vitest";

// `receiver.work({...})` refuses what it cannot honour, naming the option and the fix, before any job runs.

const receiver = () =>
  createReceiver({
    provider: providers.github({ secret: "work-options-test-secret" }),
    queue: new MemoryQueue(),
    logger: false,
  });

function refusal(options: unknown): WebhookError {
  try {
    const worker = receiver().work(options as never);
    void worker.close();
  } catch (error) {
    return error as WebhookError;
  }
  throw new Error(`work(${JSON.stringify(options)}) was accepted`);
}

describe("receiver.work options", () => {
  it("refuses a misspelled key, naming the closest valid one", () => {
    const error = refusal({ concurency: 4 });
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/^work: unknown option "concurency"; did you mean "concurrency"\?/);
    expect(refusal({ handlerTimeout: 5_000 }).message).toMatch(/did you mean "handlerTimeoutMs"\?/);
    expect(refusal({ backoff: { delay: 10 } }).message).toMatch(
      /unknown option "backoff\.delay"; did you mean "backoff\.delayMs"\?/,
    );
  });

  it("says a concurrency given as a string must be a positive integer, in work's own words", () => {
    const error = refusal({ concurrency: "8" });
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/^work: concurrency must be a positive integer/);
    expect(error.message).not.toMatch(/createReceiver|ms\/bytes\/count/);
    expect(error.message).toContain("a string");
    expect(refusal({ concurrency: 0.5 }).message).toMatch(/^work: concurrency must be a positive integer/);
    expect(refusal({ attempts: 2.5 }).message).toMatch(/^work: attempts must be a positive integer/);
  });

  it("refuses backoff.maxDelayMs below backoff.delayMs", () => {
    const error = refusal({ backoff: { delayMs: 10_000, maxDelayMs: 1_000 } });
    expect(error.code).toBe("invalid_config");
    expect(error.message).toMatch(/^work: backoff\.maxDelayMs \(1000\) is below backoff\.delayMs \(10000\)/);
  });

  it("still accepts every valid option", async () => {
    const worker = receiver().work({
      concurrency: 2,
      attempts: 3,
      backoff: { delayMs: 100, maxDelayMs: 100 },
      handlerTimeoutMs: 1_000,
      rateLimit: { max: 5, durationMs: 1_000 },
    });
    await worker.close();
  });
});
