// Ed25519 public-key screening, at configuration time only (BigInt, so slow, and that does not matter).
// Node's and WebCrypto's verify accept a small-order public key A: with it, a signature (R small-order, S = 0)
// verifies for ANY message. A key that is all zeros (a placeholder), the identity, or another of the eight
// small-order points is therefore refused before it can be used, as is a non-canonical encoding (y ≥ p).

const P = 2n ** 255n - 19n;

function mod(a: bigint): bigint {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function pow(base: bigint, exp: bigint): bigint {
  let result = 1n;
  let b = mod(base);
  let e = exp;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const inv = (a: bigint): bigint => pow(a, P - 2n);
const D = mod(-121665n * inv(121666n));
const SQRT_M1 = pow(2n, (P - 1n) / 4n);

interface Point {
  x: bigint;
  y: bigint;
}

/** What is wrong with a 32-byte encoding as an Ed25519 point (RFC 8032 §5.1.3), or the point. */
function decode(bytes: Uint8Array): Point | "non-canonical" | "not on the curve" {
  let y = 0n;
  for (let i = 31; i >= 0; i--) y = (y << 8n) | BigInt(bytes[i]!);
  const sign = y >> 255n;
  y &= (1n << 255n) - 1n;
  if (y >= P) return "non-canonical";
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * pow(v, 3n) * pow(u * pow(v, 7n), (P - 5n) / 8n));
  const vx2 = mod(v * x * x);
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return "not on the curve";
    x = mod(x * SQRT_M1);
  }
  // x = 0 has only one encoding, sign bit clear.
  if (x === 0n && sign === 1n) return "non-canonical";
  if ((x & 1n) !== sign) x = P - x;
  return { x, y };
}

/** Affine doubling on −x² + y² = 1 + d·x²·y² (complete: d is not a square). */
function double({ x, y }: Point): Point {
  const t = mod(D * x * x * y * y);
  return { x: mod(2n * x * y * inv(1n + t)), y: mod((y * y + x * x) * inv(1n - t)) };
}

/**
 * Why a 32-byte Ed25519 public key must not be used, or undefined when it is a sound key.
 *
 * @example
 * weakPublicKey(new Uint8Array(32)); // "weak (small-order) …"
 */
export function weakPublicKey(bytes: Uint8Array): string | undefined {
  const point = decode(bytes);
  if (point === "non-canonical")
    return "a non-canonical Ed25519 encoding (y ≥ p, or x = 0 with the sign bit set)";
  if (point === "not on the curve") return "these 32 bytes are not a point on Ed25519's curve";
  const eight = double(double(double(point)));
  if (eight.x === 0n && eight.y === 1n) {
    return "weak (small-order) Ed25519 public key — a placeholder like 000…0? With it a forged signature verifies any body; use the sender's real public key";
  }
  return undefined;
}
