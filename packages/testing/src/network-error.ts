/**
 * What went wrong on the network, in words a person can act on. Node's fetch reports every failure as
 * `TypeError: fetch failed` and keeps the reason (ECONNREFUSED, ENOTFOUND, …) in `cause`.
 */

interface Cause {
  code?: unknown;
  address?: unknown;
  port?: unknown;
  hostname?: unknown;
  errors?: unknown;
  message?: unknown;
}

const HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: "connection refused: is the receiver running and listening on that port?",
  ENOTFOUND: "host not found: check the host name in the URL",
  EAI_AGAIN: "host name lookup failed for now (DNS): check the host name and your network",
  ECONNRESET: "the receiver closed the connection before answering",
  UND_ERR_SOCKET: "the receiver closed the connection before answering",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  UND_ERR_HEADERS_TIMEOUT: "the receiver accepted the connection but sent no response headers in time",
  CERT_HAS_EXPIRED: "the receiver's TLS certificate has expired",
  DEPTH_ZERO_SELF_SIGNED_CERT: "the receiver's TLS certificate is self-signed",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "the receiver's TLS certificate cannot be verified",
};

function causeOf(error: unknown): Cause | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause;
  if (!cause || typeof cause !== "object") return undefined;
  const found = cause as Cause;
  // localhost resolving to ::1 and 127.0.0.1 gives an AggregateError whose first error has the address.
  if (Array.isArray(found.errors) && found.errors[0] && typeof found.errors[0] === "object") {
    return { ...(found.errors[0] as Cause), code: found.code ?? (found.errors[0] as Cause).code };
  }
  return found;
}

/**
 * A network failure's code (ECONNREFUSED, ENOTFOUND, timeout, …) and a one-line description.
 *
 * @example
 * await fetch(url).catch((error) => describeNetworkError(error, url, 10_000));
 * // { code: "ECONNREFUSED", message: "ECONNREFUSED 127.0.0.1:9: connection refused: is the receiver running …" }
 */
export function describeNetworkError(
  error: unknown,
  url: string,
  timeoutMs: number,
): { code: string; message: string } {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === "TimeoutError") {
    return { code: "timeout", message: `no answer within ${timeoutMs} ms (the platform's timeout)` };
  }
  const cause = causeOf(error);
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  let target = "";
  try {
    target = new URL(url).host;
  } catch {}
  // The fetch standard blocks some ports (9, 25, 6000, …) before connecting.
  if (cause?.message === "bad port") {
    return {
      code: "bad_port",
      message: `${target}: fetch refuses this port (blocked by the fetch standard); use another port`,
    };
  }
  if (typeof cause?.address === "string") {
    target = typeof cause.port === "number" ? `${cause.address}:${cause.port}` : cause.address;
  }
  if (code) {
    const hint = HINTS[code] ?? (typeof cause?.message === "string" ? cause.message : "network error");
    return { code, message: `${code} ${target}: ${hint}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    code: typeof name === "string" ? name : "error",
    message: `${target ? `${target}: ` : ""}${message}`,
  };
}
