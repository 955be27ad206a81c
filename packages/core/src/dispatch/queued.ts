import { withinBudget } from "../bounded.js";
import { decodeUtf8 } from "../encoding.js";
import { queueUnavailable } from "../errors.js";
import type { QueuedDelivery } from "../queue/types.js";
import { acknowledge } from "../response.js";
import type { Runtime } from "../runtime.js";
import { completeClaim, releaseClaim } from "./claim.js";
import { pickHeaders } from "./job-headers.js";
import type { Dispatch } from "./types.js";

/**
 * Durable dispatch: the delivery is written to the queue and answered 202 only once the queue confirmed
 * the write; workers (`receiver.work()`) run the handlers. A queue that fails or is slower than
 * `queueTimeoutMs` gets 503 and the claim is released, so the sender's retry is the backup.
 */
export function queuedDispatch(rt: Runtime): Dispatch {
  const { queue, queueTimeoutMs, logger, provider } = rt.settings;
  if (!queue) throw new TypeError("queuedDispatch needs settings.queue");
  const redactBody = provider.signature.redactBody?.bind(provider.signature);
  return async ({ parsed, event, text, token }) => {
    const job: QueuedDelivery = {
      key: event.id,
      provider: provider.name,
      type: event.type,
      // A signature inside the body (shipping) is emptied: the job is never a delivery that verifies again.
      body: redactBody ? decodeUtf8(redactBody(parsed.context.rawBody)) : text,
      // An allow-list: a credential a proxy adds, or the signature, never reaches a job.
      headers: pickHeaders(event.headers, rt.settings.queuedHeaders),
      receivedAt: event.receivedAt,
      retentionMs: rt.settings.retentionMs,
    };
    if (parsed.attempt !== undefined) job.senderAttempt = parsed.attempt;
    const trace = rt.telemetry.jobTrace();
    if (trace) job.trace = trace;
    // A worker rebuilds `event.tenant` from it (and checks the key is that tenant's).
    if (event.tenant !== undefined) job.tenant = event.tenant;
    let result: "queued" | "duplicate";
    try {
      result = await withinBudget(
        rt.ticker,
        queueTimeoutMs,
        "queue write",
        queue.honoursDeadline ? "callee" : "here",
        (deadline) => queue.enqueue(job, { deadline }),
        (cause) => {
          // A queue outage is a store outage to the operator: `webhook.store.errors` is what its alert watches.
          rt.telemetry.storeError("enqueue");
          return queueUnavailable(cause);
        },
      );
    } catch (error) {
      await releaseClaim(rt, event.id, token);
      throw error;
    }
    // From here the job exists: whatever the store says, the answer is 2xx (a lost claim is only reported).
    await completeClaim(rt, event, token);
    if (result === "duplicate") {
      logger.info(
        { provider: provider.name, type: event.type, id: event.id },
        "delivery already queued; acknowledged",
      );
      return acknowledge("duplicate");
    }
    logger.debug({ provider: provider.name, type: event.type, id: event.id }, "delivery queued");
    return acknowledge("queued");
  };
}
