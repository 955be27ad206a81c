import type { CryptoProvider } from "./crypto.js";
import { type Handshake, type HandshakeHead, handshakeList } from "./handshake.js";
import { isThenable, type MaybePromise } from "./maybe.js";
import type { JsonBody } from "./parse-delivery.js";
import type { Provider } from "./providers/define.js";
import type { Logger, WebhookResponse } from "./types.js";

/**
 * The provider's handshakes as the pipeline asks for them, worked out once per receiver: which non-POST
 * methods are answered (and by whom), and whether verified bodies must be offered to a handshake first.
 */
export function handshakeSteps(provider: Provider, logger: Logger) {
  const list = handshakeList(provider.handshake);
  const byMethod = new Map<string, Handshake>();
  for (const handshake of list) {
    for (const method of handshake.methods ?? []) byMethod.set(method.toUpperCase(), handshake);
  }
  const answering = list.filter((handshake) => handshake.answer !== undefined);
  const answered = (handshake: Handshake) =>
    logger.info({ provider: provider.name, handshake: handshake.name }, "handshake answered");

  const offer = (
    from: number,
    delivery: Parameters<NonNullable<Handshake["answer"]>>[0],
  ): MaybePromise<WebhookResponse | undefined> => {
    for (let i = from; i < answering.length; i++) {
      const handshake = answering[i]!;
      const outcome = handshake.answer!(delivery);
      // A user's hook may return any thenable.
      if (isThenable(outcome)) {
        return Promise.resolve(outcome).then((response) => {
          if (response === undefined) return offer(i + 1, delivery);
          answered(handshake);
          return response;
        });
      }
      if (outcome !== undefined) {
        answered(handshake);
        return outcome;
      }
    }
    return undefined;
  };

  return {
    /** The `Allow` header of a 405: POST, and the methods a handshake answers. */
    allow: ["POST", ...byMethod.keys()].join(", "),
    /** The handshake that answers this non-POST method, if the provider has one. */
    forMethod: (method: string): Handshake | undefined =>
      byMethod.size === 0 ? undefined : byMethod.get(method.toUpperCase()),
    /** Its answer to a head-only request (it may throw a refusal). */
    head(handshake: Handshake, request: HandshakeHead): WebhookResponse {
      const response = handshake.head!(request);
      answered(handshake);
      return response;
    },
    /** Whether verified bodies are offered to a handshake before they are parsed as events. */
    readsBodies: answering.length > 0,
    /** The answer when this verified body is a handshake; undefined for an event. */
    answer: (
      read: JsonBody,
      headers: Readonly<Record<string, string>>,
      rawBody: Uint8Array,
      crypto: CryptoProvider,
    ): MaybePromise<WebhookResponse | undefined> => offer(0, { body: read.body, headers, rawBody, crypto }),
  };
}
