// Plays EUlabel's progressive-creation flow (seed 001) against the example receiver, the way EUlabel
// sends it, and prints what each delivery got and what the handlers saw. Exits 0 when all behaved.
import { once } from "node:events";
import http from "node:http";
import { providers, sign } from "@webhook-kit/core";
import { createApp } from "./app.mjs";

const SECRET = "whsec_demo_eulabel_secret";
const color = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code, text) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);

const handlerLines = [];
const { app } = createApp({ secret: SECRET, log: (line) => handlerLines.push(line) });
const server = http.createServer(app);
server.listen(0, "127.0.0.1");
await once(server, "listening");
const url = `http://127.0.0.1:${server.address().port}/webhooks/eulabel`;
const eulabel = providers.eulabel({ secret: SECRET });

const compliance = (completeness, missing) => ({
  status: completeness === 100 ? "compliant" : "incomplete",
  regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
  completeness,
  missingFields: missing.map((field) => ({ field, message: `${field} is required for wine e-labels.` })),
  documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
});
const passport = {
  id: "ps_w9x2kf",
  gtin: "05601234567890",
  passportUrl: "https://eulabel.eu/01/05601234567890",
};
const draft = {
  event: "passport.draft_created",
  ...passport,
  timestamp: "2026-03-25T10:00:00Z",
  compliance: compliance(20, ["data.nutrition", "data.allergens", "data.origin", "data.producers"]),
};
const enriched = {
  event: "passport.enriched",
  ...passport,
  timestamp: "2026-03-25T10:05:00Z",
  compliance: compliance(60, ["data.origin", "data.producers"]),
};
const published = {
  event: "passport.published",
  ...passport,
  timestamp: "2026-03-25T10:15:00Z",
  compliance: compliance(100, []),
  version: 2,
};

/** POSTs bytes as EUlabel does: JSON body, X-EUlabel-Signature: sha256=<hex>. */
async function deliver(body, headers) {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  return { status: res.status, body: await res.json() };
}
async function signed(payload) {
  const bytes = typeof payload === "string" ? payload : JSON.stringify(payload);
  const { headers } = await sign(eulabel, bytes);
  return { bytes, headers };
}

const enrichedDelivery = await signed(enriched);
const huge = await signed({ ...draft, padding: "x".repeat(2 * 1024 * 1024) });
const steps = [
  {
    name: "passport.draft_created",
    expect: 200,
    run: async () => {
      const d = await signed(draft);
      return deliver(d.bytes, d.headers);
    },
  },
  {
    name: "passport.enriched",
    expect: 200,
    run: () => deliver(enrichedDelivery.bytes, enrichedDelivery.headers),
  },
  {
    name: "passport.published",
    expect: 200,
    run: async () => {
      const d = await signed(published);
      return deliver(d.bytes, d.headers);
    },
  },
  {
    name: "retry of passport.enriched (same bytes)",
    expect: 200,
    duplicate: true,
    run: () => deliver(enrichedDelivery.bytes, enrichedDelivery.headers),
  },
  {
    name: "forged signature",
    expect: 401,
    run: () => deliver(JSON.stringify(published), { "x-eulabel-signature": `sha256=${"0".repeat(64)}` }),
  },
  { name: "oversized body (2 MiB > 1 MiB limit)", expect: 413, run: () => deliver(huge.bytes, huge.headers) },
];

console.log(paint(1, `webhook-kit demo — EUlabel → Express receiver at ${url}\n`));
let failures = 0;
for (const step of steps) {
  const before = handlerLines.length;
  const res = await step.run();
  const ok =
    res.status === step.expect && (step.duplicate === undefined || res.body.duplicate === step.duplicate);
  if (!ok) failures += 1;
  const mark = ok ? paint(32, "✓") : paint(31, "✗");
  const answer = res.body.error ? `${res.body.error}: ${res.body.message}` : JSON.stringify(res.body);
  console.log(`${mark} ${step.name.padEnd(40)} → ${res.status} ${answer}`);
  const seen = handlerLines.slice(before);
  console.log(paint(2, `    handlers: ${seen.length ? seen.join(" | ") : "(not run)"}`));
}
server.close();
const expectedHandlerRuns = 3;
if (handlerLines.length !== expectedHandlerRuns) failures += 1;
console.log(`\n${handlerLines.length} handler runs for 3 distinct events (expected ${expectedHandlerRuns}).`);
console.log(
  failures === 0 ? paint(32, "All deliveries behaved.") : paint(31, `${failures} deliveries misbehaved.`),
);
process.exit(failures === 0 ? 0 : 1);
