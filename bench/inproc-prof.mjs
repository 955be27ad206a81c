// receiver.handle() on a stream of new GitHub pushes, in process, for a CPU profile of the kit's own code:
//   node --cpu-prof --cpu-prof-dir=/tmp/p bench/inproc-prof.mjs [deliveries] [core dist folder]
import { handleNew, SECRET } from "./inproc-lib.mjs";

const [count = "200000", dist] = process.argv.slice(2);
const core = dist ? await import(`${dist}/index.js`) : await import("@webhook-kit/core");
const receiver = core.createReceiver({
  provider: core.providers.github({ secret: SECRET }),
  logger: false,
  store: new core.MemoryStore({ onEvict: () => {} }),
});
receiver.on("push", () => {});
const us = await handleNew(receiver, Number(count));
console.log(`${us.toFixed(2)} µs CPU per delivery (${dist ?? "this build"})`);
