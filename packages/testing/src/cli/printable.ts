// C0 controls, DEL, C1 controls; the bidi marks (U+061C, U+200E, U+200F), embeddings, overrides and
// isolates that reorder what a line shows; and the line and paragraph separators (U+2028, U+2029), which
// some terminals and log viewers break a line at.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
// Lone surrogates too: a terminal shows each as "�", so two different keys would print alike.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

const visible = (char: string): string => {
  const code = char.charCodeAt(0);
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
};

/**
 * Text that is safe to print on a terminal: every control character shows as a visible escape (`\x1b`,
 * `\x07`, `\x9b`, `\u202e`), so a sender-controlled string (a delivery key, an id, an error, a URL path)
 * cannot retitle the terminal, clear the screen or rewrite what was printed before it. Only for text
 * output: `--json` prints the exact strings (JSON escapes C0 itself).
 *
 * @example
 * printable("evt_\u001b]0;PWNED\u0007"); // "evt_\\x1b]0;PWNED\\x07"
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, visible).replace(LONE_SURROGATE, visible);
}
