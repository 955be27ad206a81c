import http from "node:http";

export interface FloodOutcome {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: Record<string, unknown>;
  /** Body bytes written by the client when the answer arrived. */
  sent: number;
  /** True when the answer came while the upload was still going (the client had not ended it). */
  answeredWhileStreaming: boolean;
}

/**
 * A chunked upload (no Content-Length) that keeps writing, with backpressure, until the server answers; at
 * `capBytes` it ends the body, so a server that reads everything before checking the size answers only
 * then, and the outcome says so (`answeredWhileStreaming: false`) instead of the test hanging.
 */
export function floodUntilAnswered(
  url: string,
  headers: Record<string, string>,
  options: { capBytes?: number; chunkBytes?: number } = {},
): Promise<FloodOutcome> {
  const cap = options.capBytes ?? 16 * 1024 * 1024;
  const chunk = Buffer.alloc(options.chunkBytes ?? 64 * 1024, "z");
  return new Promise((resolve, reject) => {
    let sent = 0;
    let ended = false;
    let answered = false;
    const req = http.request(url, {
      method: "POST",
      headers: { ...headers, "transfer-encoding": "chunked" },
      agent: false,
    });
    req.on("response", (res) => {
      answered = true;
      const answeredWhileStreaming = !ended;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("error", () => {});
      res.on("end", () => {
        req.destroy();
        let json: Record<string, unknown> = {};
        try {
          json = JSON.parse(Buffer.concat(chunks).toString("utf8")) as Record<string, unknown>;
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json, sent, answeredWhileStreaming });
      });
    });
    req.on("error", (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (!answered && !req.destroyed && sent < cap) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered && !req.destroyed && !ended) {
        ended = true;
        req.end('"}');
      }
    };
    req.write('{"event":"passport.published","padding":"');
    pump();
  });
}
