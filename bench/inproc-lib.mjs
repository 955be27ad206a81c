// The in-process drivers' shared part (inproc-ab.mjs, inproc-prof.mjs): GitHub pushes handed straight to
// receiver.handle(), each with a new X-GitHub-Delivery.
import { createHmac, randomUUID } from "node:crypto";

export const SECRET = "bench_github_secret";

/** 1 000 distinct pushes (≈ 1.1 KB), signed once. */
const bodies = Array.from({ length: 1_000 }, (_, i) => {
  const body = Buffer.from(
    JSON.stringify({ ref: "refs/heads/main", after: String(i).padStart(40, "0"), pad: "y".repeat(1000) }),
  );
  return { body, signature: `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` };
});

let next = 0;

/**
 * Hands `count` new deliveries to `receiver` one after another; returns the CPU µs per delivery. Ids are flat
 * strings, as node:http's header values are (randomUUID() builds chains of string pieces).
 */
export async function handleNew(receiver, count) {
  const ids = JSON.parse(JSON.stringify(Array.from({ length: count }, () => randomUUID())));
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) {
    const { body, signature } = bodies[next++ % bodies.length];
    const response = await receiver.handle({
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "push",
        "x-github-delivery": ids[i],
        "x-hub-signature-256": signature,
      },
      rawBody: body,
    });
    if (response.status !== 200) throw new Error(`status ${response.status}`);
  }
  const used = process.cpuUsage(started);
  return (used.user + used.system) / count;
}
