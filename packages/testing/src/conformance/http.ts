import http from "node:http";

export interface HttpResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  json: Record<string, unknown>;
}

/**
 * A plain node:http client: writes the body in `chunks` (chunked encoding when `chunked`), and reports
 * the response even when the server answers before the upload finished.
 */
export function send(
  url: string,
  options: {
    method?: string;
    /** An array value is sent as repeated header lines (Node joins them with ", " on arrival). */
    headers?: Record<string, string | string[]>;
    body?: Uint8Array | string;
    chunked?: boolean;
    /** The client's own address (e.g. "127.0.0.2": a second loopback client on Linux). */
    localAddress?: string;
  } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: Record<string, string | string[]> = { ...options.headers };
    if (body && !options.chunked) headers["content-length"] = String(body.length);
    const requestOptions: http.RequestOptions = { method: options.method ?? "POST", headers, agent: false };
    if (options.localAddress) requestOptions.localAddress = options.localAddress;
    const req = http.request(url, requestOptions, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(text) as Record<string, unknown>;
        } catch {}
        const flat: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) flat[k] = String(v);
        resolve({ status: res.statusCode ?? 0, headers: flat, text, json });
      });
    });
    req.on("error", reject);
    if (body && options.chunked) {
      // Several writes so the server sees a streamed body with no declared length.
      const step = Math.max(1, Math.ceil(body.length / 8));
      for (let i = 0; i < body.length; i += step) req.write(body.subarray(i, i + step));
    } else if (body) {
      req.write(body);
    }
    req.end();
  });
}
