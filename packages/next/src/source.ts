import type { ReceiverCore } from "@webhook-kit/core";

/**
 * A receiver, or a function that makes it on the first request. `next build` evaluates every route
 * module, so a factory keeps secrets read from the environment out of the build.
 */
export type ReceiverSource = ReceiverCore | (() => ReceiverCore);

export function resolver(source: ReceiverSource): () => ReceiverCore {
  let receiver: ReceiverCore | undefined = typeof source === "function" ? undefined : source;
  return () => {
    receiver ??= (source as () => ReceiverCore)();
    return receiver;
  };
}
