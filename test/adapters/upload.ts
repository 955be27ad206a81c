import http from "node:http";

/**
 * Streams a chunked upload (no Content-Length) that never ends by itself: 1 KiB every few ms until the
 * server answers. Resolves with the answer and how many bytes had been sent by then.
 */
export function endlessUpload(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown>; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let timer: ReturnType<typeof setInterval> | undefined;
    const req = http.request(url, { method: "POST", headers, agent: false }, (res) => {
      clearInterval(timer);
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()), sent });
      });
    });
    req.on("error", (error) => {
      clearInterval(timer);
      reject(error);
    });
    req.write('{"event":"passport.published","padding":"');
    const chunk = Buffer.alloc(1024, "z");
    timer = setInterval(() => {
      if (sent > 64 * 1024 * 1024) return; // a server that buffers everything would be caught by the test timeout
      req.write(chunk);
      sent += chunk.length;
    }, 2);
  });
}
