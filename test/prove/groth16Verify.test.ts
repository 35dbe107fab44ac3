import { strict as assert } from "node:assert";
import * as snarkjs from "snarkjs";
import { releaseCurve } from "../../setup/groth16.js";
import { groth16Verify } from "../../src/prove/groth16Verify.js";
import { clone } from "../helpers.js";
import { toyKeys, type ToyKeys } from "./toyKeys.js";

const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** snarkjs's verdict, the reference (a malformed input that makes it throw counts as a rejection). */
async function snarkjsVerdict(vkey: unknown, signals: unknown, proof: unknown): Promise<boolean> {
  try {
    return (await snarkjs.groth16.verify(vkey as never, signals as never, proof as never, quiet)) as boolean;
  } catch {
    return false;
  }
}

describe("groth16Verify (@noble/curves' pairing) agrees with snarkjs's groth16.verify", function () {
  this.timeout(300_000);
  let k: ToyKeys;
  before(async () => {
    k = await toyKeys();
  });
  after(releaseCurve);

  it("valid proofs verify with their own key and fail with the other one", async () => {
    for (const [key, other] of [
      [k.dev, k.honest],
      [k.honest, k.dev],
    ] as const) {
      assert.equal(await groth16Verify(key.vkey, key.bundle.publicSignals, key.bundle.proof), true);
      assert.equal(await groth16Verify(other.vkey, key.bundle.publicSignals, key.bundle.proof), false);
      assert.equal(await snarkjsVerdict(other.vkey, key.bundle.publicSignals, key.bundle.proof), false);
    }
  });

  it("every tampering of signals, proof points and key gives snarkjs's verdict (and never accepts what snarkjs refuses)", async () => {
    const { vkey, bundle } = k.dev;
    const sig = bundle.publicSignals;
    const pf = bundle.proof;
    const add = (s: string, d: bigint, m = Q) => (((BigInt(s) + d) % m) + m) % m + "";
    type Case = [string, unknown, unknown, unknown];
    const cases: Case[] = [];
    const withProof = (name: string, f: (p: any) => void) => {
      const p = clone(pf);
      f(p);
      cases.push([name, vkey, sig, p]);
    };
    const withKey = (name: string, f: (v: any) => void) => {
      const v = clone(vkey);
      f(v);
      cases.push([name, v, sig, pf]);
    };
    for (let i = 0; i < sig.length; i++) {
      cases.push([`signal ${i} + 1`, vkey, sig.map((s, j) => (j === i ? add(s, 1n, R) : s)), pf]);
      cases.push([`signal ${i} + r`, vkey, sig.map((s, j) => (j === i ? (BigInt(s) + R).toString() : s)), pf]);
    }
    cases.push(["one signal too few", vkey, sig.slice(0, -1), pf]);
    cases.push(["signals swapped", vkey, [sig[1], sig[0], ...sig.slice(2)], pf]);
    for (const p of ["pi_a", "pi_c"] as const) {
      for (const c of [0, 1]) withProof(`${p}[${c}] + 1 (off the curve)`, (x) => (x[p][c] = add(x[p][c], 1n)));
      withProof(`${p} negated`, (x) => (x[p][1] = (Q - BigInt(x[p][1])).toString()));
      withProof(`${p} at infinity`, (x) => (x[p] = ["0", "1", "0"]));
      withProof(`${p} doubled (Jacobian)`, (x) => {
        // 2P in Jacobian coordinates from affine P: a point on the curve, the wrong one.
        const [X, Y] = [BigInt(x[p][0]), BigInt(x[p][1])];
        const inv = (a: bigint) => modPow(a, Q - 2n, Q);
        const l = (3n * X * X * inv(2n * Y)) % Q;
        const X2 = (((l * l - 2n * X) % Q) + Q) % Q;
        const Y2 = (((l * (X - X2) - Y) % Q) + Q) % Q;
        x[p] = [X2.toString(), Y2.toString(), "1"];
      });
      withProof(`${p} written with x + q (the same point)`, (x) => (x[p][0] = (BigInt(x[p][0]) + Q).toString()));
      withProof(`${p} in Jacobian coordinates, z = 7 (the same point)`, (x) => {
        const z = 7n;
        x[p] = [((BigInt(x[p][0]) * z * z) % Q).toString(), ((BigInt(x[p][1]) * z * z * z) % Q).toString(), z.toString()];
      });
    }
    withProof("pi_a and pi_c swapped", (x) => ([x.pi_a, x.pi_c] = [x.pi_c, x.pi_a]));
    withProof("pi_b's coordinates' halves swapped", (x) => x.pi_b[0].reverse());
    withProof("pi_b[1][0] + 1 (off the twist)", (x) => (x.pi_b[1][0] = add(x.pi_b[1][0], 1n)));
    withProof("pi_b at infinity", (x) => (x.pi_b = [["0", "0"], ["1", "0"], ["0", "0"]]));
    withProof("pi_b replaced by the key's delta", (x) => (x.pi_b = clone(vkey.vk_delta_2)));
    withProof("pi_a not numbers", (x) => (x.pi_a = ["a", "b", "1"]));
    withProof("pi_b missing", (x) => delete x.pi_b);
    withKey("IC[1] replaced by IC[2]", (v) => (v.IC[1] = clone(v.IC[2])));
    withKey("alpha negated", (v) => (v.vk_alpha_1[1] = (Q - BigInt(v.vk_alpha_1[1])).toString()));
    withKey("gamma and delta swapped", (v) => ([v.vk_gamma_2, v.vk_delta_2] = [v.vk_delta_2, v.vk_gamma_2]));
    withKey("IC[0] written with y + q (the same key)", (v) => (v.IC[0][1] = (BigInt(v.IC[0][1]) + Q).toString()));

    for (const [name, v, s, p] of cases) {
      const expected = await snarkjsVerdict(v, s, p);
      assert.equal(await groth16Verify(v, s as unknown[], p), expected, `${name}: snarkjs says ${expected}`);
    }
    // The cases are not all refusals: the same proof or key written differently still verifies.
    assert.ok(cases.filter(([n]) => /the same/.test(n)).length >= 5);
  });

  it("a G2 point outside the order-r subgroup is refused (snarkjs checks the twist's equation only)", async () => {
    // A point on the twist y^2 = x^3 + 3/(9+u) whose order is not r: found by trying x = 1, 2, ...
    const { bn254 } = await import("@noble/curves/bn254");
    const Fp2 = bn254.fields.Fp2;
    const b = Fp2.div(Fp2.fromBigTuple([3n, 0n]), Fp2.fromBigTuple([9n, 1n]));
    let point: string[][] | undefined;
    for (let x0 = 1n; !point; x0++) {
      const x = Fp2.fromBigTuple([x0, 0n]);
      const rhs = Fp2.add(Fp2.mul(Fp2.sqr(x), x), b);
      let y;
      try {
        y = Fp2.sqrt(rhs);
      } catch {
        continue;
      }
      if (!y) continue;
      point = [[x.c0, x.c1], [y.c0, y.c1], [1n, 0n]].map((c) => c.map(String));
    }
    const p = clone(k.dev.bundle.proof);
    p.pi_b = point;
    assert.equal(await groth16Verify(k.dev.vkey, k.dev.bundle.publicSignals, p), false);
  });
});

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  for (; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
  return r;
}
