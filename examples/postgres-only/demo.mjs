// Two instances on one database; one delivery sent to both at once, then again later: it is queued once and
// its handler runs once, in whichever instance's worker takes the job.
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test node demo.mjs
import { pathToFileURL } from "node:url";
import { providers, sign } from "@webhook-kit/core";
import { createApp } from "./app.mjs";

const SECRET = "whsec_demo_only";

/** @param {{ databaseUrl: string, table?: string, queueName?: string, log?: (line: string) => void }} options */
export async function runDemo({ databaseUrl, table, queueName, log = console.log }) {
  const handled = [];
  const apps = await Promise.all(
    ["a", "b"].map((name) =>
      createApp({
        databaseUrl,
        secret: SECRET,
        table,
        queueName,
        log: (line) => {
          handled.push(line);
          log(`[instance ${name}] ${line}`);
        },
      }),
    ),
  );
  try {
    const urls = await Promise.all(
      apps.map(
        ({ server }) =>
          new Promise((resolve) =>
            server.listen(0, "127.0.0.1", () =>
              resolve(`http://127.0.0.1:${server.address().port}/webhooks/eulabel`),
            ),
          ),
      ),
    );
    const body = JSON.stringify({
      event: "passport.published",
      id: "ps_w9x2kf",
      gtin: "05601234567890",
      timestamp: new Date().toISOString(),
      compliance: {
        status: "compliant",
        regulation: "EU Wine e-label Regulation (Reg. 2021/2117)",
        completeness: 100,
        missingFields: [],
        documentationUrl: "https://eulabel.eu/docs/api-reference/passports#compliance",
      },
      version: 1,
      passportUrl: "https://eulabel.eu/01/05601234567890",
    });
    const signed = await sign(providers.eulabel({ secret: SECRET }), body);
    const post = async (url) => {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", ...signed.headers },
        body: signed.body,
      });
      return `${response.status} ${await response.text()}`;
    };
    const together = await Promise.all(urls.map(post)); // a sender's retry racing the original
    log(`sent to both instances at once: ${together.join(" | ")}`);
    const late = await post(urls[1]); // a late duplicate
    log(`late duplicate: ${late}`);
    // The handler runs in a worker, after the 202: wait for it, then a little longer to see it ran only once.
    const deadline = Date.now() + 15_000;
    while (handled.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    log(`handler runs: ${handled.length}`);
    return { together, late, runs: handled.length };
  } finally {
    await Promise.all(apps.map((app) => app.close()));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const databaseUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test";
  const { runs } = await runDemo({ databaseUrl, queueName: `demo${process.pid}` });
  process.exit(runs === 1 ? 0 : 1);
}
