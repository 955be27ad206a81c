import type { IncomingMessage } from "node:http";
import { bodyAborted, bodyConsumed, bodyTimeout, tooLarge } from "../errors.js";
import { Ticker, tickPeriod } from "../ticker.js";

/** How long a refused upload may keep its socket while the error response drains, before it is cut. */
const LINGER_MS = 2_000;
/** How much of such an upload is read and discarded meanwhile, at most, before it is cut. */
const LINGER_BYTES = 256 * 1024;

// Body timeouts almost never fire; one coarse ticker per timeout value replaces a timer per request.
const tickers = new Map<number, Ticker>();
function tickerFor(timeoutMs: number): Ticker {
  let ticker = tickers.get(timeoutMs);
  if (!ticker) {
    ticker = new Ticker(tickPeriod(timeoutMs));
    tickers.set(timeoutMs, ticker);
  }
  return ticker;
}

/**
 * Reads the body: refused once `limit` is passed (never buffered whole), cut off after `timeoutMs`, a
 * Content-Length it does not match is an aborted upload. A body that came in one chunk (the common case for
 * webhooks) is that chunk: no copy.
 *
 * @example
 * const bytes = await readNodeBody(req, receiver.maxBodyBytes, receiver.bodyTimeoutMs);
 */
export function readNodeBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? Number.NaN);
    const length = Number.isNaN(declared) ? undefined : declared;
    if (length !== undefined && length > limit) return reject(tooLarge(limit));
    const state = (req as { _readableState?: { encoding?: unknown; decoder?: unknown } })._readableState;
    if (state?.encoding || state?.decoder) {
      // A mounting mistake, not the client's: 500 and logged, never a 4xx a sender may treat as final.
      return reject(
        bodyConsumed(
          undefined,
          "Something called req.setEncoding() before it, so the bytes arrive decoded as text: mount the webhook before that middleware, or keep the raw bytes.",
        ),
      );
    }
    // Ended, or flowing (or paused) under another reader: what arrives next is only the rest of the body.
    if (!req.readable || req.readableFlowing !== null) return reject(bodyConsumed());

    const chunks: Buffer[] = [];
    let received = 0;
    const finish = (error: Error | undefined, body?: Uint8Array) => {
      ticker.cancel(timeout);
      // A whole body leaves the listeners in place: no more data can come, a later "error" (the client
      // resetting before the answer) then finds a listener instead of ending the process, and removing them
      // on every request is measurable under load. A refused body stops listening at once.
      if (!error) return resolve(body as Uint8Array);
      detach();
      req.pause();
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) chunks.push(chunk);
      else {
        finish(tooLarge(limit));
        lingerThenDestroy(req);
      }
    };
    const onEnd = (error?: Error) => {
      if (error) return finish(bodyAborted(error));
      if (length !== undefined && received !== length) {
        return finish(bodyAborted(new Error("request size did not match content length")));
      }
      finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onAborted = () => finish(bodyAborted(new Error("request aborted")));
    // The error listener stays: an "error" with none would be thrown. A socket closed without "end" or
    // "aborted" needs no listener of its own: the body timeout answers for it.
    const detach = () => {
      req.off("aborted", onAborted);
      req.off("data", onData);
      req.off("end", onEnd);
    };
    const ticker = tickerFor(timeoutMs);
    const timeout = ticker.after(timeoutMs, () => {
      finish(bodyTimeout(timeoutMs));
      // A stalled client must not hold memory or a socket: stop reading, then cut it after a short grace.
      lingerThenDestroy(req);
    });
    req.on("aborted", onAborted);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onEnd);
  });
}

/**
 * Discards what still arrives (never buffering it), then cuts the socket: after a short grace, or as soon as
 * `LINGER_BYTES` more have arrived, whichever comes first — a client uploading at full speed must not have
 * the server read for the whole grace. (Node itself closes the socket sooner once a `Connection: close`
 * answer is written; this bounds the cases where no one closes it: another middleware's keep-alive answer.)
 */
export function lingerThenDestroy(req: IncomingMessage): void {
  let discarded = 0;
  const cut = () => {
    clear();
    req.socket?.destroy();
  };
  const onData = (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_BYTES) cut();
  };
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  const clear = () => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", clear);
    req.off("close", clear);
  };
  req.on("data", onData);
  req.once("end", clear);
  req.once("close", clear);
  req.resume();
}
