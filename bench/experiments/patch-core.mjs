// Experiments on a copy of core's built dist, for measuring by difference what a part of MemoryStore costs
// (bench/FINDINGS.md, "The store is the gap"). Never shipped: the copy is edited in place, then measured with
//   cp -r packages/core/dist packages/core/.dist-x      (inside packages/core, so its imports resolve)
//   node bench/experiments/patch-core.mjs <variant> packages/core/.dist-x
//   BENCH_BEFORE=$PWD/packages/core/.dist-x node bench/ab.mjs kit kit-before octokit
// Variants:
//   store-free    MemoryStore#claim answers "claimed" and #complete true at once: nothing is kept
//   no-retention  claims are kept, completed keys are not
//   offheap-lru   completed keys in typed arrays (OffHeapLru below) instead of lru-cache: ASCII keys ≤ 64
//                 chars only, so an experiment, not a store
//   hashed-lru    completed keys as their 32-bit hash in lru-cache (a small integer: no heap object per key),
//                 the key's characters in a typed-array slot to confirm a hit; longer or colliding keys in an
//                 ordinary on-heap LRU
import { readFileSync, writeFileSync } from "node:fs";

const [variant, dist] = process.argv.slice(2);
const file = `${dist}/index.js`;
let source = readFileSync(file, "utf8");

/** Replaces exactly one occurrence, or fails: a patch that silently misses would measure nothing. */
function once(find, replace) {
  const at = source.indexOf(find);
  if (at < 0 || source.indexOf(find, at + 1) >= 0)
    throw new Error(`patch-core: expected one "${find}" in ${file}`);
  source = source.slice(0, at) + replace + source.slice(at + find.length);
}

const OFFHEAP_LRU = `
class OffHeapLru {
  constructor({ max, dispose }) {
    this.max = max; this.dispose = dispose;
    let t = 1; while (t < max * 2) t <<= 1; this.mask = t - 1;
    this.table = new Int32Array(t).fill(-1); this.tombs = 0;
    this.keys = Buffer.alloc(max * 64); this.lens = new Uint8Array(max); this.hashes = new Uint32Array(max);
    this.vals = new Float64Array(max); this.prev = new Int32Array(max); this.next = new Int32Array(max);
    this.slotOf = new Int32Array(max);
    this.free = new Int32Array(max); for (let i = 0; i < max; i++) this.free[i] = max - 1 - i; this.nfree = max;
    this.head = -1; this.tail = -1; this.count = 0;
  }
  get size() { return this.count; }
  hash(k) { let h = 2166136261; for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619); return h >>> 0; }
  eq(e, k, h) {
    if (this.hashes[e] !== h || this.lens[e] !== k.length) return false;
    const o = e * 64; for (let i = 0; i < k.length; i++) if (this.keys[o + i] !== (k.charCodeAt(i) & 0xff)) return false;
    return true;
  }
  find(k, h) { let s = h & this.mask; for (;;) { const e = this.table[s]; if (e === -1) return -1; if (e >= 0 && this.eq(e, k, h)) return s; s = (s + 1) & this.mask; } }
  unlink(e) { const p = this.prev[e], n = this.next[e]; if (p >= 0) this.next[p] = n; else this.head = n; if (n >= 0) this.prev[n] = p; else this.tail = p; }
  append(e) { this.prev[e] = this.tail; this.next[e] = -1; if (this.tail >= 0) this.next[this.tail] = e; else this.head = e; this.tail = e; }
  remove(s) { const e = this.table[s]; this.table[s] = -2; this.tombs++; this.unlink(e); this.free[this.nfree++] = e; this.count--; }
  get(k) { const h = this.hash(k); const s = this.find(k, h); if (s < 0) return undefined; const e = this.table[s]; this.unlink(e); this.append(e); return this.vals[e]; }
  delete(k) { const h = this.hash(k); const s = this.find(k, h); if (s < 0) return false; this.remove(s); return true; }
  pop() {
    if (this.head < 0) return undefined;
    const e = this.head; const v = this.vals[e]; const o = e * 64;
    const key = this.keys.latin1Slice(o, o + this.lens[e]);
    this.remove(this.slotOf[e]); this.dispose?.(v, key, "evict"); return v;
  }
  set(k, v) {
    if (k.length > 64) throw new Error("OffHeapLru experiment: key longer than 64 characters");
    const h = this.hash(k); const found = this.find(k, h);
    if (found >= 0) { const e = this.table[found]; this.vals[e] = v; this.unlink(e); this.append(e); return this; }
    if (this.count >= this.max) this.pop();
    if (this.tombs > (this.mask + 1) >> 2) this.rehash();
    const e = this.free[--this.nfree];
    this.keys.latin1Write(k, e * 64, 64);
    this.lens[e] = k.length; this.hashes[e] = h; this.vals[e] = v; this.append(e); this.count++;
    let s = h & this.mask; while (this.table[s] >= 0) s = (s + 1) & this.mask;
    if (this.table[s] === -2) this.tombs--;
    this.table[s] = e; this.slotOf[e] = s; return this;
  }
  rehash() {
    this.table.fill(-1); this.tombs = 0;
    for (let e = this.head; e >= 0; e = this.next[e]) {
      let s = this.hashes[e] & this.mask; while (this.table[s] !== -1) s = (s + 1) & this.mask;
      this.table[s] = e; this.slotOf[e] = s;
    }
  }
}
`;

const HASHED_LRU = `
const SLOT = 64;
class HashedLru {
  constructor({ max, dispose }) {
    this.dispose = dispose; this.chars = new Uint16Array((max + 1) * SLOT); this.lens = new Uint8Array(max + 1);
    this.vals = new Float64Array(max + 1); this.free = []; this.next = 0;
    this.main = new LRUCache({ max, dispose: (slot, h, reason) => {
      this.free.push(slot);
      if (reason === "evict") this.dispose?.(this.vals[slot], this.text(slot), "evict");
    } });
    this.other = new LRUCache({ max, dispose });
  }
  get size() { return this.main.size + this.other.size; }
  hash(k) { let h = 2166136261; for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 16777619); return h | 0; }
  text(slot) { const o = slot * SLOT; return String.fromCharCode(...this.chars.subarray(o, o + this.lens[slot])); }
  eq(slot, k) {
    if (this.lens[slot] !== k.length) return false;
    const o = slot * SLOT; for (let i = 0; i < k.length; i++) if (this.chars[o + i] !== k.charCodeAt(i)) return false;
    return true;
  }
  get(k) {
    if (k.length <= SLOT) { const slot = this.main.get(this.hash(k)); if (slot !== undefined && this.eq(slot, k)) return this.vals[slot]; }
    return this.other.size === 0 ? undefined : this.other.get(k);
  }
  delete(k) {
    if (k.length <= SLOT) { const h = this.hash(k); const slot = this.main.peek(h); if (slot !== undefined && this.eq(slot, k)) return this.main.delete(h); }
    return this.other.delete(k);
  }
  pop() {
    if (this.main.size === 0) return this.other.pop();
    return this.vals[this.main.pop()];
  }
  set(k, v) {
    if (k.length <= SLOT) {
      const h = this.hash(k); const held = this.main.peek(h);
      if (held === undefined) {
        const slot = this.free.length > 0 ? this.free.pop() : this.next++;
        const o = slot * SLOT; for (let i = 0; i < k.length; i++) this.chars[o + i] = k.charCodeAt(i);
        this.lens[slot] = k.length; this.vals[slot] = v; this.main.set(h, slot); return this;
      }
      if (this.eq(held, k)) { this.vals[held] = v; this.main.get(h); return this; }
    }
    this.other.set(k, v); return this;
  }
}
`;

switch (variant) {
  case "store-free":
    once(
      "  #claim(key, { leaseMs }) {",
      '  #claim(key, { leaseMs }) {\n    return { status: "claimed", token: "t" };',
    );
    once(
      "  #complete(key, token, { retentionMs }) {",
      "  #complete(key, token, { retentionMs }) {\n    return true;",
    );
    break;
  case "no-retention":
    once("    this.#completed.set(key, now + retentionMs);", "    void retentionMs;");
    break;
  case "offheap-lru":
    once("var MemoryStore = class", `${OFFHEAP_LRU}\nvar MemoryStore = class`);
    once("this.#completed = new LRUCache({", "this.#completed = new OffHeapLru({");
    break;
  case "hashed-lru":
    once("var MemoryStore = class", `${HASHED_LRU}\nvar MemoryStore = class`);
    once("this.#completed = new LRUCache({", "this.#completed = new HashedLru({");
    break;
  default:
    console.error(
      "usage: node bench/experiments/patch-core.mjs <store-free|no-retention|offheap-lru|hashed-lru> <dist copy>",
    );
    process.exit(2);
}
writeFileSync(file, source);
console.log(`patched ${file}: ${variant}`);
