// Two builds of core in one process, receiver.handle() on new GitHub pushes in alternating batches, CPU per
// delivery compared batch by batch (adjacent in time, so the machine's drift cancels):
//   node bench/inproc-ab.mjs <core dist folder B> [deliveries per batch] [batches]
// A is this build (@webhook-kit/core). Ids are flat strings, as node:http's header values are.
import { handleNew, SECRET } from "./inproc-lib.mjs";

const [distB, perBatch = "5000", batches = "60"] = process.argv.slice(2);
const builds = [await import("@webhook-kit/core"), await import(`${distB}/index.js`)];
const receivers = builds.map((core) => {
  const r = core.createReceiver({
    provider: core.providers.github({ secret: SECRET }),
    logger: false,
    store: new core.MemoryStore({ onEvict: () => {} }),
  });
  r.on("push", () => {});
  return r;
});
const n = Number(perBatch);
const batch = (receiver) => handleNew(receiver, n);
const ratios = [];
const totals = [0, 0];
for (let b = 0; b < Number(batches); b++) {
  const order = b % 2 ? [1, 0] : [0, 1];
  const us = [];
  for (const k of order) us[k] = await batch(receivers[k]);
  if (b >= 4) {
    ratios.push(us[1] / us[0]);
    totals[0] += us[0];
    totals[1] += us[1];
  }
}
ratios.sort((a, b) => a - b);
const q = (p) => ratios[Math.floor(p * (ratios.length - 1))].toFixed(3);
const kept = ratios.length;
console.log(
  `this build ${(totals[0] / kept).toFixed(2)} µs/delivery, ${distB} ${(totals[1] / kept).toFixed(2)}; B ÷ A paired: median ${q(0.5)} (middle half ${q(0.25)}–${q(0.75)})`,
);
