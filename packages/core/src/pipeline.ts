import type { Dispatch } from "./dispatch/types.js";
import {
  bodyAborted,
  inProgress,
  internalError,
  ipNotAllowed,
  isWebhookError,
  methodNotAllowed,
  schemaMismatch,
  tooLarge,
  unsupportedEncoding,
  type WebhookError,
} from "./errors.js";
import type { WebhookEvent } from "./events.js";
import { parseDelivery, validateDelivery } from "./parse-delivery.js";
import { acknowledge, errorResponse } from "./response.js";
import type { Runtime } from "./runtime.js";
import type { WebhookRequestHead, WebhookResponse } from "./types.js";
import { checkSignature, lowerCased } from "./verify-delivery.js";

/** Supplies the exact bytes once the header checks passed; throws a WebhookError (413, 408, …) when it cannot. */
export type BodyReader = () => Uint8Array | Promise<Uint8Array>;

/**
 * The receiver's whole decision for one request, in the contract's order, each step once:
 * method → allow-list → encoding → declared length → body → signature → JSON, type, key → schema → claim →
 * dispatch. Adapters only supply a body reader. Never throws: every outcome is a response.
 */
export function createPipeline(rt: Runtime, dispatch: Dispatch) {
  const { provider, namespace, store, logger, crypto, leaseMs, maxBodyBytes, isAllowed, rejectInvalid } =
    rt.settings;

  const decide = async (
    head: WebhookRequestHead,
    readBody: BodyReader,
    arrivedAt: number,
  ): Promise<WebhookResponse> => {
    const headers = lowerCased(head.headers);
    if (head.method.toUpperCase() !== "POST") {
      throw methodNotAllowed(head.method);
    }
    if (isAllowed && !isAllowed(head.remoteAddress)) {
      logger.warn(
        { provider: provider.name, remoteAddress: head.remoteAddress },
        "client address not allowed",
      );
      throw ipNotAllowed(head.remoteAddress);
    }
    const encoding = headers["content-encoding"];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
      // The signature covers the bytes as the sender made them; inflating first would verify other bytes
      // on some frameworks and not on others, and opens a decompression bomb. One answer everywhere.
      throw unsupportedEncoding(encoding);
    }
    const declared = headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw tooLarge(maxBodyBytes);

    let rawBody: Uint8Array;
    try {
      rawBody = await readBody();
    } catch (error) {
      throw isWebhookError(error) ? error : bodyAborted(error);
    }
    if (rawBody.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
    const request = { ...head, headers, rawBody };
    const receivedAt = head.receivedAt ?? rt.settings.now();
    const verified = await checkSignature(provider, request, crypto, receivedAt, logger);

    const parsed = await parseDelivery(
      provider,
      namespace,
      headers,
      rawBody,
      rt.sha256Hex,
      verified.signedContent,
    );
    const { type, key, context } = parsed;
    let payload: unknown = context.body;
    if (rejectInvalid) {
      const checked = validateDelivery(provider, context);
      // Most validators answer synchronously: await only a real Promise, saving a tick per delivery.
      const result = checked instanceof Promise ? await checked : checked;
      if (!result.ok) throw schemaMismatch(type, result.issues);
      payload = result.value;
    }

    const claim = await rt.storeCall("claim", (deadline) => store.claim(key, { leaseMs, deadline }));
    if (claim.status === "completed") {
      logger.info({ provider: provider.name, type, id: key }, "duplicate delivery acknowledged");
      return acknowledge("duplicate");
    }
    if (claim.status === "in_progress") {
      throw inProgress(claim.retryAfterMs);
    }
    const event: WebhookEvent = { id: key, type, payload, provider: provider.name, receivedAt, headers };
    if (parsed.attempt !== undefined) event.attempt = parsed.attempt;
    return dispatch({ parsed, event, text: parsed.text, token: claim.token, arrivedAt });
  };

  // An outage answers every request 503: log the first with its cause, then one line per 10 s with a count,
  // not a stack per request (a 4 s Redis restart under load would otherwise print thousands of lines).
  let quietUntil = 0;
  let suppressed = 0;
  const outage = (error: WebhookError) => {
    const now = performance.now();
    if (now < quietUntil) {
      suppressed += 1;
      return;
    }
    const more = suppressed > 0 ? ` (${suppressed} more since the last report)` : "";
    logger.error({ err: error.cause }, `${error.message}${more}`);
    quietUntil = now + 10_000;
    suppressed = 0;
  };

  return {
    /** Never throws. `arrivedAt` (performance.now()) is when the request's headers arrived. */
    async receive(
      head: WebhookRequestHead,
      readBody: BodyReader,
      arrivedAt = performance.now(),
    ): Promise<WebhookResponse> {
      try {
        return await decide(head, readBody, arrivedAt);
      } catch (error) {
        if (!isWebhookError(error)) {
          logger.error({ err: error }, "unexpected error while handling a webhook");
          return errorResponse(internalError());
        }
        if (error.code === "store_unavailable") outage(error);
        else if (error.code === "body_already_consumed") {
          logger.error({ provider: provider.name, err: error.cause }, error.message);
        }
        return errorResponse(error);
      }
    },
  };
}
