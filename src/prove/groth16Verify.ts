/**
 * Groth16 verification over BN254 in plain JavaScript, with @noble/curves' pairing (audited, no
 * wasm, no worker threads): what `verifyMargin` and the native prover's self-check use instead of
 * snarkjs's groth16.verify, whose BN254 curve ffjavascript generates as wasm in JavaScript first
 * (0.3-0.6 s of a command-line process; with snarkjs's module graph about 0.5-0.9 s of CPU). Here a
 * check costs the load of @noble/curves' bn254 module and one batched pairing: about 0.1-0.2 s.
 *
 * The equation is snarkjs's (src/groth16_verify.js): with vk_x = IC[0] + sum_i signal_i * IC[i+1],
 *
 *     e(-A, B) * e(vk_x, gamma) * e(C, delta) * e(alpha, beta) == 1.
 *
 * The checks before it are snarkjs's: one public signal per IC point after the first, each a field
 * element (below r); A and C on the curve (G1 has cofactor 1); B on the twist. One is stricter: B
 * must also be in G2's order-r subgroup (snarkjs checks the curve equation only; the EVM's pairing
 * precompile, the on-chain verifier, checks the subgroup too), so a proof snarkjs could accept may
 * fail here, never the reverse. The points are snarkjs's JSON: Jacobian [x, y, z] (z = 1 when
 * affine, z = 0 the point at infinity), coordinates decimal and read modulo q as snarkjs reads them
 * (a key written with x + q is the same key).
 */

/** The @noble/curves bn254 module, loaded on first use (module load: about 50-150 ms). */
type Bn254 = typeof import("@noble/curves/bn254");
let loading: Promise<Bn254> | undefined;

/** Start loading the pairing code (never rejects; a load error surfaces in groth16Verify). */
export function preloadGroth16Verifier(): Promise<Bn254 | undefined> {
  loading ??= import("@noble/curves/bn254");
  return loading.catch(() => undefined);
}

/** An integer as snarkjs reads one (a decimal or 0x-hex string, a number, a bigint); else undefined. */
function int(v: unknown): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "string" && (/^[0-9]+$/.test(v) || /^0x[0-9a-fA-F]+$/.test(v))) return BigInt(v);
  return undefined;
}

class Malformed extends Error {}

/**
 * Check a Groth16 proof (snarkjs's JSON: pi_a, pi_b, pi_c) of `publicSignals` against the
 * verification key `vkey` (snarkjs's verification_key.json). Resolves to false for a proof that does
 * not verify and for malformed input (as snarkjs's groth16.verify does); rejects only when the
 * pairing code cannot be loaded.
 */
export async function groth16Verify(vkey: unknown, publicSignals: readonly unknown[], proof: unknown): Promise<boolean> {
  const { bn254 } = await (loading ??= import("@noble/curves/bn254"));
  const { Fp, Fp2, Fp12, Fr } = bn254.fields;
  const G1 = bn254.G1.Point;
  const G2 = bn254.G2.Point;
  type P1 = InstanceType<typeof G1>;
  type P2 = InstanceType<typeof G2>;

  const fp = (v: unknown): bigint => {
    const x = int(v);
    if (x === undefined || x < 0n) throw new Malformed();
    return Fp.create(x);
  };
  const fp2 = (v: unknown) => {
    if (!Array.isArray(v) || v.length !== 2) throw new Malformed();
    return Fp2.fromBigTuple([fp(v[0]), fp(v[1])]);
  };
  const triple = (v: unknown): unknown[] => {
    if (!Array.isArray(v) || (v.length !== 3 && v.length !== 2)) throw new Malformed();
    return v.length === 2 ? [...v, undefined] : v;
  };
  /** @noble/curves refuses a point off the curve or outside the subgroup by throwing. */
  const checked = <P extends { assertValidity(): void }>(make: () => P): P => {
    try {
      const p = make();
      p.assertValidity();
      return p;
    } catch {
      throw new Malformed();
    }
  };
  /** A G1 point from Jacobian coordinates, checked to be on the curve. */
  const g1 = (v: unknown): P1 => {
    const [xs, ys, zs] = triple(v);
    const x = fp(xs), y = fp(ys), z = zs === undefined ? 1n : fp(zs);
    if (z === 0n) return G1.ZERO;
    const zi = Fp.inv(z), zi2 = Fp.sqr(zi);
    return checked(() => G1.fromAffine({ x: Fp.mul(x, zi2), y: Fp.mul(y, Fp.mul(zi2, zi)) }));
  };
  /** A G2 point from Jacobian coordinates, checked to be on the twist and in the order-r subgroup. */
  const g2 = (v: unknown): P2 => {
    const [xs, ys, zs] = triple(v);
    const x = fp2(xs), y = fp2(ys), z = zs === undefined ? Fp2.ONE : fp2(zs);
    if (Fp2.is0(z)) return G2.ZERO;
    const zi = Fp2.inv(z), zi2 = Fp2.sqr(zi);
    return checked(() => G2.fromAffine({ x: Fp2.mul(x, zi2), y: Fp2.mul(y, Fp2.mul(zi2, zi)) }));
  };

  try {
    if (typeof vkey !== "object" || vkey === null || typeof proof !== "object" || proof === null) return false;
    const vk = vkey as Record<string, unknown>;
    const pf = proof as Record<string, unknown>;
    const ic = vk.IC;
    if (!Array.isArray(ic) || ic.length !== publicSignals.length + 1) return false;
    let vkX = g1(ic[0]);
    for (let i = 0; i < publicSignals.length; i++) {
      const w = int(publicSignals[i]);
      if (w === undefined || w < 0n || w >= Fr.ORDER) return false;
      const p = g1(ic[i + 1]);
      if (w !== 0n && !p.is0()) vkX = vkX.add(p.multiplyUnsafe(w));
    }
    const a = g1(pf.pi_a);
    const b = g2(pf.pi_b);
    const c = g1(pf.pi_c);
    const pairs = [
      { g1: a.negate(), g2: b },
      { g1: vkX, g2: g2(vk.vk_gamma_2) },
      { g1: c, g2: g2(vk.vk_delta_2) },
      { g1: g1(vk.vk_alpha_1), g2: g2(vk.vk_beta_2) },
    ].filter((p) => !p.g1.is0() && !p.g2.is0()); // e(O, Q) = e(P, O) = 1
    return pairs.length === 0 || Fp12.eql(bn254.pairingBatch(pairs), Fp12.ONE);
  } catch (e) {
    if (e instanceof Malformed) return false;
    throw e;
  }
}
