import type { SignedWebhook } from "../sign-delivery.js";

/** POSIX shell single quotes: everything literal, a ' closes, escapes and reopens. */
const quote = (text: string) => `'${text.replaceAll("'", `'\\''`)}'`;

/**
 * The curl command that sends exactly these bytes and headers. `--data-binary` keeps the body's bytes
 * (including a trailing newline, which Stripe's signature covers); `-i` shows the receiver's answer.
 */
export function curlCommand(url: string, signed: SignedWebhook): string {
  const lines = [`curl -i -X POST ${quote(url)}`];
  for (const [name, value] of Object.entries(signed.headers))
    lines.push(`  -H ${quote(`${name}: ${value}`)}`);
  lines.push(`  --data-binary ${quote(signed.text)}`);
  return lines.join(" \\\n");
}
