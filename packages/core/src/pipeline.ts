import type { Dispatch } from "./dispatch/types.js";
import { endpointStep } from "./endpoint-step.js";
import { errorText } from "./error-text.js";
import {
  bodyAborted,
  inProgress,
  internalError,
  ipNotAllowed,
  isWebhookError,
  methodNotAllowed,
  schemaMismatch,
  tooLarge,
  unknownEndpoint,
  unsupportedEncoding,
  type WebhookError,
} from "./errors.js";
import type { WebhookEvent } from "./events.js";
import type { Handshake } from "./handshake.js";
import { handshakeSteps } from "./handshake-step.js";
import { type JsonBody, parseDelivery, readJsonBody, validateDelivery } from "./parse-delivery.js";
import { acknowledge, errorResponse } from "./response.js";
import type { Runtime } from "./runtime.js";
import { storeStep } from "./store-step.js";
import type { DeliveryNote } from "./telemetry/types.js";
import { throttled } from "./throttle.js";
import type { WebhookRequest, WebhookRequestHead, WebhookResponse } from "./types.js";
import { checkSignature, lowerCased } from "./verify-delivery.js";

/** Supplies the exact bytes once the header checks passed; throws a WebhookError (413, 408, …) when it cannot. */
export type BodyReader = () => Uint8Array | Promise<Uint8Array>;

/**
 * The receiver's whole decision for one request, in the contract's order, each step once:
 * method → allow-list → head handshake → declared length → encoding → endpoint (tenant, secret) → body →
 * signature → body handshake → JSON, type, key → schema → claim → dispatch. Adapters only supply a body
 * reader. Never throws: every outcome is a response. Telemetry wraps it whole (`rt.telemetry.delivery`);
 * `note` tells it the event type and key once they are known.
 */
export function createPipeline(rt: Runtime, dispatch: Dispatch) {
  const { provider, namespace, logger, crypto, leaseMs, maxBodyBytes, isAllowed, rejectInvalid } =
    rt.settings;
  const handshakes = handshakeSteps(provider, logger);
  const endpoints = endpointStep(rt);

  const decide = async (
    head: WebhookRequestHead,
    readBody: BodyReader,
    arrivedAt: number,
    note: DeliveryNote,
  ): Promise<WebhookResponse> => {
    const headers = lowerCased(head.headers);
    // A method other than POST is answered only by the provider's handshake for it (CloudEvents' OPTIONS).
    let headHandshake: Handshake | undefined;
    if (head.method !== "POST" && head.method.toUpperCase() !== "POST") {
      headHandshake = handshakes.forMethod(head.method);
      if (headHandshake === undefined) throw methodNotAllowed(head.method);
    }
    if (isAllowed && !isAllowed(head.remoteAddress)) {
      const { remoteAddress, remoteAddressFrom: addressFrom } = head;
      refusedAddress((more) =>
        logger.warn(
          { provider: provider.name, remoteAddress, addressFrom },
          `client address not allowed${more}`,
        ),
      );
      throw ipNotAllowed(head.remoteAddress);
    }
    if (headHandshake !== undefined) {
      return handshakes.head(headHandshake, { method: head.method, headers });
    }
    // The size a body declares is refused first of what it says of itself: 413 then holds whatever else
    // the head claims, and never waits on another check.
    const declared = headers["content-length"];
    if (declared !== undefined && Number(declared) > maxBodyBytes) throw tooLarge(maxBodyBytes);
    const encoding = headers["content-encoding"];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== "identity") {
      // The signature covers the bytes as the sender made them; inflating first would verify other bytes
      // on some frameworks and not on others, and opens a decompression bomb. One answer everywhere.
      throw unsupportedEncoding(encoding);
    }

    // Every step below may answer at once (node:crypto, sync validators, MemoryStore, a warm secret cache):
    // only a real promise is awaited, so such a delivery costs no microtask per step.
    // The endpoint before the body: a vault that fails answers 503 without reading a byte. An unknown
    // endpoint is refused by the signature step below, exactly as a wrong secret is (no oracle).
    const resolving = endpoints.resolve(headers === head.headers ? head : { ...head, headers });
    const endpoint = resolving instanceof Promise ? await resolving : resolving;
    const { tenant, keys, namespace: scope = namespace } = endpoint;

    let rawBody: Uint8Array;
    try {
      const read = readBody();
      rawBody = read instanceof Promise ? await read : read;
    } catch (error) {
      throw isWebhookError(error) ? error : bodyAborted(error);
    }
    if (rawBody.length > maxBodyBytes) throw tooLarge(maxBodyBytes);
    const request: WebhookRequest = { method: head.method, headers, rawBody };
    if (head.path !== undefined) request.path = head.path;
    if (head.remoteAddress !== undefined) request.remoteAddress = head.remoteAddress;
    if (head.receivedAt !== undefined) request.receivedAt = head.receivedAt;
    if (head.params !== undefined) request.params = head.params;
    const receivedAt = head.receivedAt ?? rt.settings.now();
    const checked = checkSignature(provider, request, crypto, receivedAt, logger, keys, tenant);
    const verified = checked instanceof Promise ? await checked : checked;
    // Only a scheme that ignores looked-up keys (a custom one) can get here for an unknown endpoint.
    if (endpoint.unknown) throw unknownEndpoint();

    // Only a verified body may be a handshake: a forged challenge gets the same 401 as a forged event.
    let read: JsonBody | undefined;
    if (handshakes.readsBodies) {
      read = readJsonBody(headers, rawBody);
      const answering = handshakes.answer(read, headers, rawBody, crypto);
      const answer = answering instanceof Promise ? await answering : answering;
      if (answer !== undefined) return answer;
    }

    const parsing = parseDelivery(
      provider,
      // Two tenants' identical delivery ids are two deliveries.
      scope,
      headers,
      rawBody,
      rt.sha256Hex,
      verified.signedContent,
      read,
    );
    const parsed = parsing instanceof Promise ? await parsing : parsing;
    const { type, key, context } = parsed;
    note.type = type;
    note.key = key;
    let payload: unknown = context.body;
    if (rejectInvalid) {
      const validating = validateDelivery(provider, context);
      const result = validating instanceof Promise ? await validating : validating;
      if (!result.ok) throw schemaMismatch(type, result.issues);
      payload = result.value;
    }

    const claiming = storeStep(rt, "claim", (s, deadline) => s.claim(key, { leaseMs, deadline }));
    const claim = claiming instanceof Promise ? await claiming : claiming;
    if (claim.status === "completed") {
      logger.info({ provider: provider.name, type, id: key }, "duplicate delivery acknowledged");
      return acknowledge("duplicate");
    }
    if (claim.status === "in_progress") {
      throw inProgress(claim.retryAfterMs);
    }
    const event: WebhookEvent = { id: key, type, payload, provider: provider.name, receivedAt, headers };
    if (parsed.attempt !== undefined) event.attempt = parsed.attempt;
    if (tenant !== undefined) event.tenant = tenant;
    const response = dispatch({ parsed, event, text: parsed.text, token: claim.token, arrivedAt });
    return response instanceof Promise ? await response : response;
  };

  // An outage answers every request 503, a flood from outside the allow-list every request 403: the first
  // is logged (an outage with its cause's stack), then one line per 10 s with a count and no stack (it is at
  // debug), not a line per request (a 4 s Redis restart under load would otherwise print thousands of stacks).
  const outageReport = throttled(10_000);
  const outage = (error: WebhookError) =>
    outageReport((more) => {
      if (more === "") return logger.error({ err: error.cause }, error.message);
      logger.error({ cause: errorText(error.cause) }, `${error.message}${more}`);
      logger.debug({ err: error.cause }, "the last refusal's cause");
    });
  const refusedAddress = throttled(10_000);

  return {
    /** The cache of looked-up secrets: `forget(tenant)` after a rotation. */
    secrets: { forget: endpoints.forget },
    /** Never throws. `arrivedAt` (performance.now()) is when the request's headers arrived. */
    receive(
      head: WebhookRequestHead,
      readBody: BodyReader,
      arrivedAt = performance.now(),
    ): Promise<WebhookResponse> {
      // Telemetry wraps the whole decision once (span, outcome, ack duration); a no-op without an SDK.
      return rt.telemetry
        .delivery(arrivedAt, (note) => decide(head, readBody, arrivedAt, note))
        .catch(answer);
    },
  };

  /** Every failure as the contract's response; an outage or a consumed body is also logged, once. */
  function answer(error: unknown): WebhookResponse {
    if (!isWebhookError(error)) {
      logger.error({ err: error }, "unexpected error while handling a webhook");
      return errorResponse(internalError());
    }
    if (error.code === "store_unavailable") outage(error);
    else if (error.code === "body_already_consumed") {
      logger.error({ provider: provider.name, err: error.cause }, error.message);
    }
    if (error.code === "method_not_allowed") return errorResponse(error, { allow: handshakes.allow });
    return errorResponse(error);
  }
}
