import { concatBytes } from "../encoding.js";
import { bodyTimeout, tooLarge } from "../errors.js";

/**
 * Reads a fetch `Request` body, refusing it the moment it passes `limit` (never buffered whole) and
 * cutting off a body that stalls past `timeoutMs`.
 *
 * @example
 * const rawBody = await readWebBody(request, receiver.maxBodyBytes, receiver.bodyTimeoutMs);
 */
export async function readWebBody(request: Request, limit: number, timeoutMs: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(bodyTimeout(timeoutMs)), timeoutMs);
  });
  timedOut.catch(() => {});
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), timedOut]);
      if (done) break;
      total += value.length;
      if (total > limit) throw tooLarge(limit);
      chunks.push(value);
    }
  } catch (error) {
    reader.cancel().catch(() => {});
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return chunks.length === 1 ? chunks[0]! : concatBytes(...chunks);
}

export function headersToRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
