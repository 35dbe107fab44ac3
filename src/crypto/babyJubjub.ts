import { FIELD_MODULUS } from "../config/limits.js";

/**
 * Baby Jubjub, the twisted Edwards curve over the BN254 scalar field used by circomlib's EdDSA:
 *
 *     a*x^2 + y^2 = 1 + d*x^2*y^2  (mod p),   a = 168700, d = 168696
 *
 * Only what the risk-parameter parser needs to vet a venue's public key: the curve equation and the
 * (complete) twisted Edwards addition law, used to refuse points of small order (8*P = identity),
 * whose "signatures" anyone could forge. Cost: a few modular inversions (bigint pow), microseconds.
 */
export const BABYJUB_A = 168700n;
export const BABYJUB_D = 168696n;
const p = FIELD_MODULUS;

export type Point = readonly [bigint, bigint];
export const IDENTITY: Point = [0n, 1n];

const mod = (x: bigint): bigint => {
  const r = x % p;
  return r < 0n ? r + p : r;
};

function modPow(b: bigint, e: bigint): bigint {
  let r = 1n;
  b = mod(b);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % p;
    b = (b * b) % p;
    e >>= 1n;
  }
  return r;
}

const inv = (x: bigint): bigint => modPow(x, p - 2n);

/** Whether (x, y), both already in [0, p), satisfies the curve equation. */
export function isOnCurve([x, y]: Point): boolean {
  const x2 = mod(x * x);
  const y2 = mod(y * y);
  return mod(BABYJUB_A * x2 + y2) === mod(1n + BABYJUB_D * x2 * y2);
}

/** P + Q on the curve (the addition law is complete for Baby Jubjub: no exceptional cases). */
export function addPoints([x1, y1]: Point, [x2, y2]: Point): Point {
  const t = mod(BABYJUB_D * x1 * x2 * y1 * y2);
  const x3 = mod((x1 * y2 + y1 * x2) * inv(1n + t));
  const y3 = mod((y1 * y2 - BABYJUB_A * x1 * x2) * inv(mod(1n - t)));
  return [x3, y3];
}

/** Whether 8*P is the identity (P has order 1, 2, 4 or 8: a useless, forgeable key). */
export function hasSmallOrder(pt: Point): boolean {
  let q = pt;
  for (let i = 0; i < 3; i++) q = addPoints(q, q);
  return q[0] === 0n && q[1] === 1n;
}
