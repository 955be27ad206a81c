// receiver.handle() on a stream of new GitHub pushes, in process, for a CPU profile of the kit's own code:
//   node --cpu-prof --cpu-prof-dir=/tmp/p bench/inproc-prof.mjs [deliveries] [core dist folder]
import { createHmac, randomUUID } from "node:crypto";

const [count = "200000", dist] = process.argv.slice(2);
const core = dist ? await import(`${dist}/index.js`) : await import("@webhook-kit/core");
const SECRET = "bench_github_secret";
const receiver = core.createReceiver({
  provider: core.providers.github({ secret: SECRET }),
  logger: false,
  store: new core.MemoryStore({ onEvict: () => {} }),
});
receiver.on("push", () => {});
const bodies = Array.from({ length: 1_000 }, (_, i) => {
  const body = Buffer.from(
    JSON.stringify({ ref: "refs/heads/main", after: String(i).padStart(40, "0"), pad: "y".repeat(1000) }),
  );
  return { body, signature: `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` };
});
// Header values as node:http makes them (flat strings), not randomUUID()'s chains.
const ids = JSON.parse(JSON.stringify(Array.from({ length: Number(count) }, () => randomUUID())));
const started = process.cpuUsage();
for (let i = 0; i < Number(count); i++) {
  const { body, signature } = bodies[i % 1000];
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
console.log(
  `${((used.user + used.system) / Number(count)).toFixed(2)} µs CPU per delivery (${dist ?? "this build"})`,
);
