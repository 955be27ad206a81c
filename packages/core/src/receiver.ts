import { isWebhookError, WebhookError } from "./errors.js";
import type { AnyEvent, EventOf, Handler, WebhookEvent } from "./events.js";
import { STORE_RETRY_AFTER_SECONDS, tooLarge } from "./limits.js";
import type { ReceiverOptions } from "./options.js";
import { parseDelivery } from "./parse-delivery.js";
import { type EventSchemas, hasher, type Provider } from "./provider.js";
import { errorResponse, jsonResponse } from "./response.js";
import { resolveSettings } from "./settings.js";
import type { ClaimResult } from "./store/types.js";
import { Ticker, tickPeriod } from "./ticker.js";
import type { WebhookRequest, WebhookRequestHead, WebhookResponse } from "./types.js";
import { headersToRecord, readWebBody } from "./web-body.js";

/** What adapters need of a receiver: independent of its event types. */
export interface ReceiverCore {
  /** Resolved limits, for adapters that read the body themselves. */
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly ackDeadlineMs: number;
  /** The checks that need no body (method, allow-list, declared length): adapters call it before reading. */
  precheck(head: WebhookRequestHead): WebhookResponse | undefined;
  /** Decides everything for one delivery. Never throws. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** The same for a fetch `Request` (Hono, Bun, Deno, Workers, Next App Router). */
  fetch(request: Request, options?: { remoteAddress?: string }): Promise<Response>;
  /** Resolves when handlers still running in the background (202 acks) have settled. */
  idle(): Promise<void>;
}

export interface Receiver<E extends EventSchemas = EventSchemas> extends ReceiverCore {
  readonly provider: Provider<E>;
  /** Registers a handler for one type, several, or "*" (every event). Returns the receiver for chaining. */
  // `keyof E & string`, not the EventName alias: a typo's error then lists the valid event names.
  on<K extends keyof E & string>(type: K | readonly K[], handler: Handler<EventOf<E, K>>): Receiver<E>;
  on(type: "*", handler: Handler<AnyEvent<E>>): Receiver<E>;
}

/**
 * Creates a receiver for one provider: verification, parsing, dedupe, routing and acknowledgement.
 *
 * @example
 * const receiver = createReceiver({ provider: providers.eulabel({ secret: process.env.EULABEL_SECRET! }) });
 * receiver.on("passport.published", async (event) => {
 *   console.log(event.payload.compliance.completeness);
 * });
 * app.use(webhookMiddleware(receiver, { path: "/webhooks/eulabel" }));
 */
export function createReceiver<E extends EventSchemas>(options: ReceiverOptions<E>): Receiver<E> {
  const settings = resolveSettings(options);
  const { provider, store, logger, crypto, ack, maxBodyBytes, bodyTimeoutMs, ackDeadlineMs } = settings;
  const { retentionMs, leaseMs, storeTimeoutMs, isAllowed } = settings;
  const clock = settings.now;

  const sha256Hex = hasher(crypto);
  const handlers = new Map<string, Handler<WebhookEvent>[]>();
  // Per-type lists including "*" handlers, built once per type and dropped whenever `on` adds one.
  const routed = new Map<string, Handler<WebhookEvent>[]>();
  const handlersFor = (type: string): Handler<WebhookEvent>[] => {
    let list = routed.get(type);
    if (!list) {
      list = [...(handlers.get(type) ?? []), ...(handlers.get("*") ?? [])];
      // Bounded: sender-chosen unknown types must not grow this cache without limit.
      if (routed.size >= 1024) routed.clear();
      routed.set(type, list);
    }
    return list;
  };
  const background = new Set<Promise<unknown>>();

  const report = (error: WebhookError, event?: WebhookEvent) => {
    logger.error(
      { code: error.code, provider: provider.name, type: event?.type, id: event?.id, err: error.cause },
      error.message,
    );
    if (!options.onError) return;
    try {
      options.onError(error, event);
    } catch (hookError) {
      logger.error({ err: hookError }, "onError threw");
    }
  };

  const ticker = new Ticker(tickPeriod(storeTimeoutMs, ackDeadlineMs, leaseMs / 3));

  /** A store call bounded by storeTimeoutMs; any failure becomes 503 store_unavailable. */
  const storeCall = <T>(what: string, call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const unavailable = (cause: unknown) =>
        reject(
          new WebhookError(
            "store_unavailable",
            "The idempotency store is unreachable, so this delivery cannot be deduplicated; retry later.",
            { cause, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
          ),
        );
      const timeout = ticker.after(storeTimeoutMs, () =>
        unavailable(new Error(`store ${what} timed out after ${storeTimeoutMs} ms`)),
      );
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (cause) {
        pending = Promise.reject(cause);
      }
      pending.then(
        (value) => {
          ticker.cancel(timeout);
          resolve(value);
        },
        (cause: unknown) => {
          ticker.cancel(timeout);
          unavailable(cause);
        },
      );
    });

  const precheck = (head: WebhookRequestHead): WebhookResponse | undefined => {
    if (head.method.toUpperCase() !== "POST") {
      return errorResponse(
        new WebhookError("method_not_allowed", `Webhooks are delivered with POST, not ${head.method}.`),
      );
    }
    if (isAllowed && !isAllowed(head.remoteAddress)) {
      logger.warn(
        { provider: provider.name, remoteAddress: head.remoteAddress },
        "client address not allowed",
      );
      return errorResponse(
        new WebhookError(
          "ip_not_allowed",
          `The client address ${head.remoteAddress ?? "(unknown)"} is not in the allow-list. Behind a proxy, make the adapter see the real client address (e.g. Express "trust proxy").`,
        ),
      );
    }
    const declared = head.headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes)
      return errorResponse(tooLarge(maxBodyBytes));
    return undefined;
  };

  const parse = (request: WebhookRequest) => parseDelivery(provider, request, sha256Hex);

  const runHandlers = async (list: Handler<WebhookEvent>[], event: WebhookEvent): Promise<unknown[]> => {
    if (list.length === 1) {
      try {
        await list[0]!(event);
        return [];
      } catch (error) {
        return [error];
      }
    }
    const results = await Promise.allSettled(list.map(async (handler) => handler(event)));
    return results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  };

  const handlerFailure = (errors: unknown[], total: number, event: WebhookEvent, released: boolean) =>
    new WebhookError(
      "handler_failed",
      `${errors.length} of ${total} handler(s) for ${event.type} failed; ${released ? "the delivery was released so the sender's retry runs it again" : "the claim could not be released and frees when its lease expires"}. The errors are in your logger and onError.`,
      { cause: new AggregateError(errors, `handlers for ${event.type} failed`) },
    );

  /** Runs handlers under a renewed lease, then completes or releases the claim. */
  const runClaimed = (list: Handler<WebhookEvent>[], event: WebhookEvent, token: string) => {
    let renewal: ReturnType<Ticker["after"]> | undefined;
    const renew = () => {
      renewal = ticker.after(leaseMs / 3, renew);
      storeCall("renew", () => store.renew(event.id, token, { leaseMs })).then(
        (owned) => owned || logger.warn({ id: event.id }, "lease lost while handlers ran"),
        (err: unknown) => logger.warn({ id: event.id, err }, "lease renewal failed"),
      );
    };
    renewal = ticker.after(leaseMs / 3, renew);
    return runHandlers(list, event).then(async (errors) => {
      if (renewal) ticker.cancel(renewal);
      if (errors.length === 0) {
        await storeCall("complete", () => store.complete(event.id, token, { retentionMs })).catch(
          (error: WebhookError) => report(error, event),
        );
        return undefined;
      }
      for (const err of errors)
        logger.error({ err, type: event.type, id: event.id }, "webhook handler threw");
      const released = await storeCall("release", () => store.release(event.id, token)).then(
        () => true,
        () => false,
      );
      return handlerFailure(errors, list.length, event, released);
    });
  };

  const track = (promise: Promise<WebhookError | undefined>, event: WebhookEvent) => {
    const settled = promise.then((failure) => failure && report(failure, event));
    background.add(settled);
    settled.finally(() => background.delete(settled));
  };

  const decide = async (request: WebhookRequest): Promise<WebhookResponse> => {
    const early = precheck(request);
    if (early) return early;
    if (request.rawBody.length > maxBodyBytes) return errorResponse(tooLarge(maxBodyBytes));
    const receivedAt = request.receivedAt ?? clock();
    const verdict = await provider.signature.verify(request, { crypto, now: receivedAt });
    if (!verdict.ok) {
      logger.warn({ provider: provider.name, code: verdict.code }, "signature rejected");
      return errorResponse(new WebhookError(verdict.code, verdict.message));
    }
    const { type, payload, key, attempt } = await parse(request);
    const claim: ClaimResult = await storeCall("claim", () => store.claim(key, { leaseMs }));
    if (claim.status === "completed") {
      logger.info({ provider: provider.name, type, id: key }, "duplicate delivery acknowledged");
      return jsonResponse(200, { received: true, duplicate: true });
    }
    if (claim.status === "in_progress") {
      const retryAfterSeconds = Math.max(1, Math.ceil(claim.retryAfterMs / 1000));
      return errorResponse(
        new WebhookError("in_progress", "This delivery is being processed right now; retry later.", {
          retryAfterSeconds,
        }),
      );
    }
    const event: WebhookEvent = {
      id: key,
      type,
      payload,
      provider: provider.name,
      receivedAt,
      headers: request.headers,
    };
    if (attempt !== undefined) event.attempt = attempt;
    const list = handlersFor(type);
    if (list.length === 0) {
      logger.info({ provider: provider.name, type, id: key }, "no handler for event type; acknowledged");
      await storeCall("complete", () => store.complete(key, claim.token, { retentionMs })).catch(
        (error: WebhookError) => report(error, event),
      );
      return jsonResponse(200, { received: true, handled: false });
    }
    const outcome = runClaimed(list, event, claim.token);
    if (ack === "immediate") {
      track(outcome, event);
      return jsonResponse(202, { received: true, status: "processing" });
    }
    const first = await new Promise<WebhookError | undefined | "deadline">((resolve) => {
      const deadline = ticker.after(ackDeadlineMs, () => resolve("deadline"));
      outcome.then((result) => {
        ticker.cancel(deadline);
        resolve(result);
      });
    });
    if (first === "deadline") {
      logger.warn(
        { provider: provider.name, type, id: key, ackDeadlineMs },
        "handlers passed the ack deadline; answered 202",
      );
      track(outcome, event);
      return jsonResponse(202, { received: true, status: "processing" });
    }
    if (first) return errorResponse(first);
    logger.info({ provider: provider.name, type, id: key }, "webhook handled");
    return jsonResponse(200, { received: true });
  };

  const receiver: Receiver<E> = {
    provider,
    maxBodyBytes,
    bodyTimeoutMs,
    ackDeadlineMs,
    on(type: string | readonly string[], handler: Handler<never>) {
      for (const name of typeof type === "string" ? [type] : type) {
        routed.clear();
        const list = handlers.get(name) ?? [];
        list.push(handler as Handler<WebhookEvent>);
        handlers.set(name, list);
      }
      return receiver;
    },
    precheck,
    async handle(request) {
      try {
        return await decide(request);
      } catch (error) {
        if (isWebhookError(error)) {
          if (error.code === "store_unavailable") logger.error({ err: error.cause }, error.message);
          return errorResponse(error);
        }
        logger.error({ err: error }, "unexpected error while handling a webhook");
        return errorResponse(
          new WebhookError("internal_error", "Unexpected error; see the receiver's logs."),
        );
      }
    },
    async fetch(request, fetchOptions = {}) {
      const head: WebhookRequestHead = {
        method: request.method,
        path: new URL(request.url).pathname,
        headers: headersToRecord(request.headers),
      };
      if (fetchOptions.remoteAddress !== undefined) head.remoteAddress = fetchOptions.remoteAddress;
      let response = precheck(head);
      if (!response && request.bodyUsed) {
        response = errorResponse(
          new WebhookError(
            "body_already_consumed",
            "The Request body was already read (e.g. by await request.json()), so its exact bytes cannot be verified. Pass the untouched Request to receiver.fetch(), or request.clone() before reading it.",
          ),
        );
      }
      if (!response) {
        try {
          response = await receiver.handle({
            ...head,
            rawBody: await readWebBody(request, maxBodyBytes, bodyTimeoutMs),
          });
        } catch (error) {
          response = errorResponse(
            isWebhookError(error) ? error : new WebhookError("body_aborted", "The body could not be read."),
          );
        }
      }
      return new Response(response.body, { status: response.status, headers: response.headers });
    },
    async idle() {
      while (background.size > 0) await Promise.allSettled([...background]);
    },
  };
  return receiver;
}
