import { sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { DEFAULT_DEV_PTAU_SEED } from "../../setup/devSeed.js";

/**
 * Recognising a verification key made by the INSECURE dev setup, from the key alone.
 *
 * The dev powers of tau (setup/devPtau.ts) derive its secrets from a public seed:
 *
 *   s_label = the first nonzero x_c = SHA-512("zkmargin dev ptau|<label>|<c>|<seed>") mod r, c = 0, 1, ...
 *   alpha = s_alpha, beta = s_beta   (tau likewise, skipping roots of unity)
 *
 * and writes alpha*G1 (section 4, first point) and beta*G2 (section 6). Groth16 phase 2 changes only
 * delta, so EVERY key made from that ptau, whatever the circuit, the power or the phase-2
 * contributions, has vk_alpha_1 = alpha*G1 and vk_beta_2 = beta*G2. A key from any honest phase 1
 * has a random alpha and beta (matching them would mean knowing the dev seed's discrete logs, which
 * are public, so a match is never an accident). `isDevKey` computes those two points from the seed
 * (plain bigint BN254 arithmetic, about 20 ms once, then cached) and compares; either one matching
 * marks the key INSECURE.
 *
 * Cost: one G1 and one G2 double-and-add scalar multiplication per seed, cached per process.
 */

/** BN254 base field modulus q and scalar field modulus r. */
const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

// --- Fq ---------------------------------------------------------------------------------------
const mod = (a: bigint): bigint => {
  const x = a % Q;
  return x < 0n ? x + Q : x;
};
function inv(a: bigint): bigint {
  // extended Euclid; a != 0 mod Q
  let [t, newT, r0, r1] = [0n, 1n, Q, mod(a)];
  while (r1 !== 0n) {
    const k = r0 / r1;
    [t, newT] = [newT, t - k * newT];
    [r0, r1] = [r1, r0 - k * r1];
  }
  return mod(t);
}

// --- Fq2 = Fq[i] / (i^2 + 1), elements [c0, c1] ---------------------------------------------------
type F2 = readonly [bigint, bigint];
const f2 = {
  add: (a: F2, b: F2): F2 => [mod(a[0] + b[0]), mod(a[1] + b[1])],
  sub: (a: F2, b: F2): F2 => [mod(a[0] - b[0]), mod(a[1] - b[1])],
  mul: (a: F2, b: F2): F2 => [mod(a[0] * b[0] - a[1] * b[1]), mod(a[0] * b[1] + a[1] * b[0])],
  inv: (a: F2): F2 => {
    const n = inv(mod(a[0] * a[0] + a[1] * a[1]));
    return [mod(a[0] * n), mod(-a[1] * n)];
  },
  eq: (a: F2, b: F2): boolean => a[0] === b[0] && a[1] === b[1],
  isZero: (a: F2): boolean => a[0] === 0n && a[1] === 0n,
};

/** A field as the affine point formulas need it. */
interface Field<T> {
  add(a: T, b: T): T;
  sub(a: T, b: T): T;
  mul(a: T, b: T): T;
  inv(a: T): T;
  eq(a: T, b: T): boolean;
  isZero(a: T): boolean;
  small(n: bigint): T;
}
const F1: Field<bigint> = {
  add: (a, b) => mod(a + b),
  sub: (a, b) => mod(a - b),
  mul: (a, b) => mod(a * b),
  inv,
  eq: (a, b) => a === b,
  isZero: (a) => a === 0n,
  small: (n) => mod(n),
};
const F2: Field<F2> = { ...f2, small: (n) => [mod(n), 0n] };

/** Affine point, or null for the point at infinity (short Weierstrass y^2 = x^3 + b, a = 0). */
type Pt<T> = { x: T; y: T } | null;

function addPts<T>(F: Field<T>, p: Pt<T>, q: Pt<T>): Pt<T> {
  if (!p) return q;
  if (!q) return p;
  let lambda: T;
  if (F.eq(p.x, q.x)) {
    if (!F.eq(p.y, q.y) || F.isZero(p.y)) return null;
    // doubling: lambda = 3x^2 / 2y
    lambda = F.mul(F.mul(F.small(3n), F.mul(p.x, p.x)), F.inv(F.mul(F.small(2n), p.y)));
  } else {
    lambda = F.mul(F.sub(q.y, p.y), F.inv(F.sub(q.x, p.x)));
  }
  const x = F.sub(F.sub(F.mul(lambda, lambda), p.x), q.x);
  const y = F.sub(F.mul(lambda, F.sub(p.x, x)), p.y);
  return { x, y };
}

function mulPt<T>(F: Field<T>, p: Pt<T>, k: bigint): Pt<T> {
  let acc: Pt<T> = null;
  for (let i = BigInt(k.toString(2).length) - 1n; i >= 0n; i--) {
    acc = addPts(F, acc, acc);
    if ((k >> i) & 1n) acc = addPts(F, acc, p);
  }
  return acc;
}

/** The generators snarkjs/ffjavascript use for BN254 ("bn128"). */
const G1: Pt<bigint> = { x: 1n, y: 2n };
const G2: Pt<F2> = {
  x: [
    10857046999023057135944570762232829481370756359578518086990519993285655852781n,
    11559732032986387107991004021392285783925812861821192530917403151452391805634n,
  ],
  y: [
    8495653923123431417604973247489272438418190587263600148770280649306958101930n,
    4082367875863433681332203403145435568316851327593401208105741076214120093531n,
  ],
};

function powR(b: bigint, e: bigint): bigint {
  let r = 1n;
  b %= R;
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % R;
    b = (b * b) % R;
  }
  return r;
}

/**
 * A dev setup secret, as setup/devPtau.ts's hashToFr derives it: the first nonzero
 * x_c = SHA-512("zkmargin dev ptau|<label>|<c>|<seed>") mod r, c = 0, 1, ...; tau also skips any
 * x with x^(2^28) = 1 (a root of unity of some NTT domain, where the Lagrange basis degenerates).
 * `delta` is the phase-2 secret of the native dev setup (setup/devZkey.ts), `delta-pok` the
 * scalar of its proof-of-knowledge point g1_s.
 */
export function devSecret(seed: string, label: "tau" | "alpha" | "beta" | "delta" | "delta-pok"): bigint {
  for (let ctr = 0; ; ctr++) {
    const digest = bytesToHex(sha512(utf8ToBytes(`zkmargin dev ptau|${label}|${ctr}|${seed}`)));
    const x = BigInt(`0x${digest}`) % R;
    if (x === 0n) continue;
    if (label === "tau" && powR(x, 1n << 28n) === 1n) continue;
    return x;
  }
}

export interface DevKeyPoints {
  /** alpha*G1, affine (x, y), as a verification key's vk_alpha_1 carries it. */
  alpha1: [bigint, bigint];
  /** beta*G2, affine ((x.c0, x.c1), (y.c0, y.c1)), as vk_beta_2 carries it. */
  beta2: [[bigint, bigint], [bigint, bigint]];
}

const cache = new Map<string, DevKeyPoints>();

/** vk_alpha_1 and vk_beta_2 of every key made from the dev powers of tau with `seed`. */
export function devKeyPoints(seed: string = DEFAULT_DEV_PTAU_SEED): DevKeyPoints {
  let pts = cache.get(seed);
  if (!pts) {
    const a = mulPt(F1, G1, devSecret(seed, "alpha"))!;
    const b = mulPt(F2, G2, devSecret(seed, "beta"))!;
    pts = { alpha1: [a.x, a.y], beta2: [[b.x[0], b.x[1]], [b.y[0], b.y[1]]] };
    cache.set(seed, pts);
  }
  return pts;
}

// --- reading a snarkjs verification key's points ------------------------------------------------

function num(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === "string" && /^(0|[1-9][0-9]*|0x[0-9a-fA-F]+)$/.test(v)) return BigInt(v);
  return undefined;
}

/**
 * A point as snarkjs reads it (G1.fromObject): [x, y] or [x, y, z] in Jacobian coordinates
 * (affine x = X/Z^2, y = Y/Z^3; Z = 0 is infinity), coordinates reduced mod q. undefined if malformed.
 */
function readPoint<T>(F: Field<T>, raw: unknown, coord: (v: unknown) => T | undefined): Pt<T> | undefined {
  if (!Array.isArray(raw) || raw.length < 2 || raw.length > 3) return undefined;
  const [X, Y] = [coord(raw[0]), coord(raw[1])];
  const Z = raw.length === 3 ? coord(raw[2]) : F.small(1n);
  if (X === undefined || Y === undefined || Z === undefined) return undefined;
  if (F.isZero(Z)) return null;
  const zi = F.inv(Z);
  const zi2 = F.mul(zi, zi);
  return { x: F.mul(X, zi2), y: F.mul(Y, F.mul(zi2, zi)) };
}
const coord1 = (v: unknown): bigint | undefined => {
  const x = num(v);
  return x === undefined ? undefined : mod(x);
};
const coord2 = (v: unknown): F2 | undefined => {
  if (!Array.isArray(v) || v.length !== 2) return undefined;
  const [a, b] = [num(v[0]), num(v[1])];
  return a === undefined || b === undefined ? undefined : [mod(a), mod(b)];
};

/** checkDevKey's answer, with which of the two points matched the dev seed's. */
export interface DevKeyCheck {
  /** The key is made from the dev powers of tau (its alpha or its beta is the dev seed's). */
  dev: boolean;
  alphaIsDev: boolean;
  betaIsDev: boolean;
}

/** Compare a verification key's vk_alpha_1 and vk_beta_2 with the dev seed's. */
export function checkDevKey(vkey: unknown, seed: string = DEFAULT_DEV_PTAU_SEED): DevKeyCheck {
  const vk = (vkey ?? {}) as { vk_alpha_1?: unknown; vk_beta_2?: unknown };
  const dev = devKeyPoints(seed);
  const a = readPoint(F1, vk.vk_alpha_1, coord1);
  const b = readPoint(F2, vk.vk_beta_2, coord2);
  const alphaIsDev = !!a && a.x === dev.alpha1[0] && a.y === dev.alpha1[1];
  const betaIsDev = !!b && f2.eq(b.x, dev.beta2[0]) && f2.eq(b.y, dev.beta2[1]);
  return { dev: alphaIsDev || betaIsDev, alphaIsDev, betaIsDev };
}

/**
 * Whether a Groth16 verification key (snarkjs JSON) was made by the INSECURE dev setup: decided from
 * the key itself, never from anything a prover supplies.
 */
export function isDevKey(vkey: unknown, seed: string = DEFAULT_DEV_PTAU_SEED): boolean {
  return checkDevKey(vkey, seed).dev;
}
