import { concatBytes, decodeUtf8, utf8 } from "../encoding.js";

/**
 * Byte-level helpers for signatures that travel inside the JSON body. They never parse-and-re-serialise:
 * they find byte offsets in the exact bytes received, so what is verified is what was sent.
 *
 * Only ASCII bytes are structural in JSON, and every byte of a multi-byte UTF-8 sequence is ≥ 0x80, so
 * scanning bytes is safe without decoding.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (b: number | undefined) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** One top-level member: byte offsets are [start, end) ranges into the raw body. */
export interface JsonMemberSpan {
  key: string;
  keyStart: number;
  valueStart: number;
  valueEnd: number;
}

export interface TopLevelMembers {
  /** Offset of the root object's `{` and `}`. */
  open: number;
  close: number;
  members: JsonMemberSpan[];
}

function skipSpace(bytes: Uint8Array, at: number): number {
  let i = at;
  while (isSpace(bytes[i])) i++;
  return i;
}

/** End (exclusive) of the string token starting at `at` (a quote), or -1. */
function stringEnd(bytes: Uint8Array, at: number): number {
  for (let i = at + 1; i < bytes.length; i++) {
    const b = bytes[i];
    if (b === BACKSLASH) i++;
    else if (b === QUOTE) return i + 1;
    else if (b !== undefined && b < 0x20) return -1;
  }
  return -1;
}

/** End (exclusive) of the value starting at `at`, or -1. Nested containers are skipped by depth. */
function valueEnd(bytes: Uint8Array, at: number): number {
  const first = bytes[at];
  if (first === QUOTE) return stringEnd(bytes, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    for (let i = at; i < bytes.length; i++) {
      const b = bytes[i];
      if (b === QUOTE) {
        const end = stringEnd(bytes, i);
        if (end < 0) return -1;
        i = end - 1;
      } else if (b === OPEN_BRACE || b === OPEN_BRACKET) depth++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    return -1;
  }
  let i = at;
  while (i < bytes.length && !isSpace(bytes[i]) && bytes[i] !== COMMA && bytes[i] !== CLOSE_BRACE) i++;
  return i > at ? i : -1;
}

/**
 * Lists the root object's members with their byte spans; undefined when the body is not a JSON object
 * this scanner can follow (the receiver's JSON.parse remains the judge of validity).
 */
export function topLevelMembers(bytes: Uint8Array): TopLevelMembers | undefined {
  // A UTF-8 byte-order mark is tolerated, as the receiver's parser does.
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  i = skipSpace(bytes, i);
  if (bytes[i] !== OPEN_BRACE) return undefined;
  const open = i;
  const members: JsonMemberSpan[] = [];
  i = skipSpace(bytes, i + 1);
  if (bytes[i] === CLOSE_BRACE)
    return skipSpace(bytes, i + 1) === bytes.length ? { open, close: i, members } : undefined;
  for (;;) {
    if (bytes[i] !== QUOTE) return undefined;
    const keyStart = i;
    const keyEnd = stringEnd(bytes, i);
    if (keyEnd < 0) return undefined;
    let key: string;
    try {
      key = JSON.parse(decodeUtf8(bytes.subarray(keyStart, keyEnd))) as string;
    } catch {
      return undefined;
    }
    i = skipSpace(bytes, keyEnd);
    if (bytes[i] !== COLON) return undefined;
    const valueStart = skipSpace(bytes, i + 1);
    const end = valueEnd(bytes, valueStart);
    if (end < 0) return undefined;
    members.push({ key, keyStart, valueStart, valueEnd: end });
    i = skipSpace(bytes, end);
    if (bytes[i] === COMMA) {
      i = skipSpace(bytes, i + 1);
      continue;
    }
    if (bytes[i] !== CLOSE_BRACE) return undefined;
    return skipSpace(bytes, i + 1) === bytes.length ? { open, close: i, members } : undefined;
  }
}

/** One top-level member, located among all the root object's members. */
export interface FoundMember {
  all: TopLevelMembers;
  index: number;
}

/** The one top-level member named `name`; undefined when absent or present more than once (ambiguous). */
export function findMember(bytes: Uint8Array, name: string): FoundMember | undefined {
  const all = topLevelMembers(bytes);
  if (!all) return undefined;
  const indexes = all.members.flatMap((member, index) => (member.key === name ? [index] : []));
  return indexes.length === 1 ? { all, index: indexes[0]! } : undefined;
}

/**
 * The body with one top-level member removed, byte for byte:
 * - followed by another member: delete from its key's first byte up to the next key's first byte;
 * - the last of several: delete from just after the previous value up to the end of its own value;
 * - the only member: delete everything between the braces, leaving `{}`.
 * So a body serialised with the member inserted anywhere gives back, exactly, the same serialisation
 * without it — compact or indented (`JSON.stringify(obj, null, n)`) — and nothing else is touched.
 */
export function withoutMember(bytes: Uint8Array, all: TopLevelMembers, index: number): Uint8Array {
  const member = all.members[index]!;
  const next = all.members[index + 1];
  const previous = all.members[index - 1];
  let from = member.keyStart;
  let to = member.valueEnd;
  if (next) to = next.keyStart;
  else if (previous) from = previous.valueEnd;
  else {
    // An indented `{ "signature": … }` must give `{}`, as the sender's serialiser writes an empty object.
    from = all.open + 1;
    to = all.close;
  }
  return concatBytes(bytes.subarray(0, from), bytes.subarray(to));
}

/**
 * Appends `"name":value` as the root object's last member, right after the last value (or after `{`
 * when empty): the inverse of `withoutMember`.
 */
export function appendMember(bytes: Uint8Array, name: string, jsonValue: string): Uint8Array | undefined {
  const all = topLevelMembers(bytes);
  if (!all) return undefined;
  const last = all.members.at(-1);
  const at = last ? last.valueEnd : all.open + 1;
  const member = `${last ? "," : ""}${JSON.stringify(name)}:${jsonValue}`;
  return concatBytes(bytes.subarray(0, at), utf8(member), bytes.subarray(at));
}
