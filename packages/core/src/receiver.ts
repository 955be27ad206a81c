import { inlineDispatch } from "./dispatch/inline.js";
import { queuedDispatch } from "./dispatch/queued.js";
import { handlerNameCheck } from "./event-names.js";
import type { AnyEvent, EventOf, Handler, WebhookEvent } from "./events.js";
import { type HealthOptions, healthBudget, type ReceiverHealth, receiverHealth } from "./health.js";
import type { ReceiverOptions } from "./options.js";
import { type BodyReader, createPipeline } from "./pipeline.js";
import type { EventSchemas, Provider } from "./providers/define.js";
import { createRuntime } from "./runtime.js";
import { resolveSettings } from "./settings.js";
import type { Logger, WebhookRequest, WebhookRequestHead, WebhookResponse } from "./types.js";
import { fetchHandler } from "./web/fetch.js";
import { type DeliveryWorker, startWorker, type WorkOptions } from "./worker.js";

/** What adapters need of a receiver: independent of its event types. */
export interface ReceiverCore {
  /** Resolved limits, for adapters that read the body themselves. */
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs: number;
  readonly ackDeadlineMs: number;
  /**
   * The receiver's logger (never throws), for what an adapter sees after core answered: e.g. a response that
   * something mounted before it already sent. Optional, so a hand-written ReceiverCore still fits.
   */
  readonly logger?: Logger;
  /**
   * Whether the allow-list admits this address (true without one). For what answers before core runs: a
   * `checkContinue` listener invites no body the allow-list will refuse. Optional, like `logger`.
   */
  allowsAddress?(address: string | undefined): boolean;
  /**
   * The whole decision for one request: header checks first, then `readBody` (only if they pass), then
   * verification, parsing, dedupe and dispatch. Adapters supply the reader. Never throws.
   */
  receive(head: WebhookRequestHead, readBody: BodyReader): Promise<WebhookResponse>;
  /** The same for a request whose exact bytes are already at hand. Never throws. */
  handle(request: WebhookRequest): Promise<WebhookResponse>;
  /** The same for a fetch `Request` (Hono, Bun, Deno, Workers, Next App Router). */
  fetch(
    request: Request,
    options?: { remoteAddress?: string; params?: Readonly<Record<string, string>> },
  ): Promise<Response>;
  /** Resolves when handlers still running in the background (202 acks) have settled. */
  idle(): Promise<void>;
}

export interface HandlerOptions {
  /**
   * The name a durable job records this handler's success under; keep it for good (a renamed id runs the
   * handler again for jobs still retrying). Registered for several types at once: `<id>:<type>`. Without it:
   * `<type>@<function name>` when the function has a unique name of 3+ characters (not bound, not anonymous,
   * not minified); otherwise the handler joins its type's unit, `<type>@unnamed`, whose success is never
   * recorded: it runs again whenever its job runs again (never skipped). `work()` warns about every member.
   *
   * @example
   * receiver.on("passport.published", sendReceipt.bind(mailer), { id: "send-receipt" });
   */
  id?: string;
}

export interface Receiver<E extends EventSchemas = EventSchemas> extends ReceiverCore {
  readonly provider: Provider<E>;
  /** Registers a handler for one type, several, or "*" (every event). Returns the receiver for chaining. */
  // `keyof E & string`, not the EventName alias: a typo's error then lists the valid event names.
  on<K extends keyof E & string>(
    type: K | readonly K[],
    handler: Handler<EventOf<E, K>>,
    options?: HandlerOptions,
  ): Receiver<E>;
  on(type: "*", handler: Handler<AnyEvent<E>>, options?: HandlerOptions): Receiver<E>;
  /** Removes a handler registered with `on` for the same type(s). */
  off<K extends keyof E & string>(type: K | readonly K[], handler: Handler<EventOf<E, K>>): Receiver<E>;
  off(type: "*", handler: Handler<AnyEvent<E>>): Receiver<E>;
  /**
   * Runs queued deliveries' handlers in this process (needs `queue`): retries with backoff, a time limit
   * per handler, dead letters. Run it in the receiver's process or in worker processes on other machines.
   */
  work(options?: WorkOptions): DeliveryWorker;
  /**
   * Readiness: whether the store (and the queue, with one) answers within `timeoutMs` (default 1000 each,
   * checked at once). Never throws, never hangs, writes nothing; the result holds no secret. Serve it as a
   * readiness route: 200 when `ok`, else 503.
   *
   * @example
   * app.get("/ready", async (_req, res) => {
   *   const health = await receiver.health();
   *   res.status(health.ok ? 200 : 503).json(health);
   * });
   */
  health(options?: HealthOptions): Promise<ReceiverHealth>;
  /**
   * The cache of secrets looked up per endpoint (a provider whose `secret` is a function). After a rotation
   * in your vault, `forget(tenant)` drops that tenant's entry (`forget()` every entry): its next delivery
   * looks the secret up again. A lookup already running when you forget answers its own deliveries only.
   */
  readonly secrets: { forget(tenant?: string): void };
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
  const rt = createRuntime(settings, options.onError);
  const dispatch = settings.queue ? queuedDispatch(rt) : inlineDispatch(rt);
  const { receive, secrets } = createPipeline(rt, dispatch);
  const { maxBodyBytes, bodyTimeoutMs, ackDeadlineMs, logger } = settings;
  const types = (type: string | readonly string[]) => (typeof type === "string" ? [type] : type);
  const checkName = handlerNameCheck(settings.provider, logger);

  const receiver: Receiver<E> = {
    provider: settings.provider,
    maxBodyBytes,
    bodyTimeoutMs,
    ackDeadlineMs,
    logger,
    allowsAddress: (address) => settings.isAllowed?.(address) ?? true,
    on(type: string | readonly string[], handler: Handler<never>, handlerOptions?: HandlerOptions) {
      for (const name of types(type)) checkName(name);
      rt.router.add(types(type), handler as Handler<WebhookEvent>, handlerOptions?.id);
      return receiver;
    },
    off(type: string | readonly string[], handler: Handler<never>) {
      rt.router.remove(types(type), handler as Handler<WebhookEvent>);
      return receiver;
    },
    receive: (head, readBody) => receive(head, readBody),
    handle: (request) => receive(request, () => request.rawBody),
    fetch: fetchHandler(receive, settings),
    idle: () => rt.idle(),
    work: (workOptions) => startWorker(rt, workOptions),
    health: async (healthOptions) =>
      receiverHealth(settings.store, settings.queue, healthBudget(healthOptions, "receiver.health()")),
    secrets,
  };
  return receiver;
}
