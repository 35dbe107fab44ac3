import { strict as assert } from "node:assert";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { coords, ffCurve, requireNative, runNative, smallCircuit, type SmallCircuit } from "./helpers.js";

// The native MSM, NTT and H-polynomial steps against ffjavascript / snarkjs's own procedure, on the
// real `small` proving key and a real witness.

/** Sections of a snarkjs binary file: id -> bytes. */
function sections(file: Uint8Array): Map<number, Uint8Array> {
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const n = dv.getUint32(8, true);
  const out = new Map<number, Uint8Array>();
  let p = 12;
  for (let i = 0; i < n; i++) {
    const id = dv.getUint32(p, true);
    const size = Number(dv.getBigUint64(p + 4, true));
    out.set(id, file.subarray(p + 12, p + 12 + size));
    p += 12 + size;
  }
  return out;
}

const le32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(o, true);

/** "x y ..." from the native binary as coords() gives points. */
const parsePoint = (out: string) => {
  const v = out.trim().split(" ").map(BigInt);
  return v.every((x) => x === 0n) ? [] : v;
};

describe("native prover: MSM, NTT and H on the small proving key", function () {
  this.timeout(1_800_000);
  let bin: string;
  let curve: any;
  let c: SmallCircuit;
  let zk: Map<number, Uint8Array>;
  let wit: Uint8Array;
  let nVars: number;
  let nPublic: number;
  let domainSize: number;
  let hNative: Uint8Array;

  before(async function () {
    bin = requireNative(this);
    c = await smallCircuit();
    curve = await ffCurve();
    zk = sections(new Uint8Array(readFileSync(c.zkey)));
    wit = sections(new Uint8Array(readFileSync(c.wtns))).get(2)!;
    const h = zk.get(2)!;
    nVars = le32(h, 72);
    nPublic = le32(h, 76);
    domainSize = le32(h, 80);
    writeFileSync(join(c.dir, "w.bin"), wit);
    writeFileSync(join(c.dir, "wc.bin"), wit.subarray((nPublic + 1) * 32));
  });
  after(async () => {
    await curve?.terminate();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  const msm = (section: number, scalars: string, ...opts: string[]) => {
    const r = runNative(bin, ["test", "msm-zkey", c.zkey, String(section), join(c.dir, scalars), ...opts]);
    assert.equal(r.code, 0, r.err);
    return parsePoint(r.out);
  };

  for (const [section, name, scalars] of [
    [5, "A (G1)", "w.bin"],
    [6, "B1 (G1)", "w.bin"],
    [8, "C (G1, private part of the witness)", "wc.bin"],
    [7, "B2 (G2)", "w.bin"],
  ] as const) {
    it(`MSM of section ${section}, ${name}, with the witness equals ffjavascript's multiExpAffine`, async () => {
      const G = section === 7 ? curve.G2 : curve.G1;
      const s = section === 8 ? wit.subarray((nPublic + 1) * 32) : wit;
      const want = coords(G, await G.multiExpAffine(zk.get(section)!, s));
      assert.ok(want.length > 0);
      assert.deepEqual(msm(section, scalars), want, "auto");
      assert.deepEqual(msm(section, scalars, "--threads", "1"), want, "1 thread");
      assert.deepEqual(msm(section, scalars, "--affine", "0"), want, "Jacobian buckets");
      assert.deepEqual(msm(section, scalars, "--affine", "1", "--window", "8", "--threads", "3"), want, "affine buckets, c = 8, 3 threads");
      assert.deepEqual(msm(section, scalars, "--affine", "1", "--window", "16"), want, "affine buckets, c = 16");
      assert.deepEqual(msm(section, scalars, "--group", "1"), want, "equal scalars merged");
      assert.deepEqual(msm(section, scalars, "--group", "1", "--affine", "0", "--threads", "3"), want, "equal scalars merged, Jacobian buckets");
      // the endomorphism split (GLV / GLS), forced on and off, in several bucket modes
      assert.deepEqual(msm(section, scalars, "--endo", "1"), want, "endomorphism split");
      assert.deepEqual(msm(section, scalars, "--endo", "1", "--group", "1", "--threads", "1"), want, "endomorphism split, equal scalars merged, 1 thread");
      assert.deepEqual(msm(section, scalars, "--endo", "1", "--affine", "0", "--window", "7", "--threads", "3"), want, "endomorphism split, Jacobian buckets, c = 7");
      assert.deepEqual(msm(section, scalars, "--endo", "1", "--affine", "1", "--window", "15", "--group", "1"), want, "endomorphism split, affine buckets, c = 15");
      assert.deepEqual(msm(section, scalars, "--endo", "0", "--group", "1"), want, "no endomorphism split");
    });
  }

  it("the H scalars equal snarkjs's procedure (buildABC1, ifft, coset shift, fft, joinABC) step for step", async () => {
    const Fr = curve.Fr;
    const out = join(c.dir, "h.bin");
    const r = runNative(bin, ["test", "h", c.zkey, c.wtns, out]);
    assert.equal(r.code, 0, r.err);
    hNative = new Uint8Array(readFileSync(out));
    assert.equal(hNative.length, domainSize * 32);
    const r1 = runNative(bin, ["test", "h", c.zkey, c.wtns, `${out}.1`, "--threads", "1"]);
    assert.equal(r1.code, 0, r1.err);
    assert.ok(Buffer.from(readFileSync(`${out}.1`)).equals(Buffer.from(hNative)), "1 thread gives the same H");

    // snarkjs 0.7 groth16_prove.js, redone with ffjavascript: coefficients are c R^2, the witness
    // plain, so Fr.mul (a Montgomery product) yields c w in Montgomery form.
    const coeffs = zk.get(4)!;
    const nCoef = le32(coeffs, 0);
    const A = new Uint8Array(domainSize * 32);
    const B = new Uint8Array(domainSize * 32);
    for (let i = 0; i < nCoef; i++) {
      const o = 4 + i * 44;
      const m = le32(coeffs, o);
      const k = le32(coeffs, o + 4);
      const s = le32(coeffs, o + 8);
      const dst = m === 0 ? A : B;
      dst.set(Fr.add(dst.subarray(k * 32, k * 32 + 32), Fr.mul(coeffs.subarray(o + 12, o + 44), wit.subarray(s * 32, s * 32 + 32))), k * 32);
    }
    const C = new Uint8Array(domainSize * 32);
    for (let i = 0; i < domainSize; i++) C.set(Fr.mul(A.subarray(i * 32, i * 32 + 32), B.subarray(i * 32, i * 32 + 32)), i * 32);
    let power = 0;
    while (1 << power < domainSize) power++;
    const inc = power === Fr.s ? Fr.shift : Fr.w[power + 1];
    const odd = async (x: Uint8Array) => Fr.fft(await Fr.batchApplyKey(await Fr.ifft(x), Fr.e(1), inc));
    const [Ao, Bo, Co] = [await odd(A), await odd(B), await odd(C)];
    const want = new Uint8Array(domainSize * 32);
    for (let i = 0; i < domainSize; i++) {
      const v = Fr.sub(Fr.mul(Ao.subarray(i * 32, i * 32 + 32), Bo.subarray(i * 32, i * 32 + 32)), Co.subarray(i * 32, i * 32 + 32));
      want.set(Fr.fromMontgomery(v), i * 32);
    }
    let firstDiff = -1;
    for (let i = 0; i < domainSize && firstDiff < 0; i++) {
      if (!Buffer.from(hNative.subarray(i * 32, i * 32 + 32)).equals(Buffer.from(want.subarray(i * 32, i * 32 + 32)))) firstDiff = i;
    }
    assert.equal(firstDiff, -1, `H scalar ${firstDiff} differs`);
  });

  it("MSM of section 9 (H points) with the H scalars equals ffjavascript's", async function () {
    if (!hNative) this.skip();
    writeFileSync(join(c.dir, "h-scalars.bin"), hNative);
    const want = coords(curve.G1, await curve.G1.multiExpAffine(zk.get(9)!, hNative));
    assert.deepEqual(msm(9, "h-scalars.bin"), want);
    assert.deepEqual(msm(9, "h-scalars.bin", "--affine", "0", "--threads", "2"), want);
    assert.deepEqual(msm(9, "h-scalars.bin", "--endo", "1", "--threads", "2"), want);
    assert.deepEqual(msm(9, "h-scalars.bin", "--endo", "0", "--threads", "1"), want);
  });

  it("MSM with all-zero scalars is the point at infinity; a wrong scalar file is refused", () => {
    writeFileSync(join(c.dir, "zero.bin"), new Uint8Array(nVars * 32));
    assert.deepEqual(msm(5, "zero.bin"), []);
    assert.deepEqual(msm(7, "zero.bin"), []);
    const r = runNative(bin, ["test", "msm-zkey", c.zkey, "5", join(c.dir, "wc.bin")]);
    assert.notEqual(r.code, 0);
    assert.match(r.err, /expected \d+ bytes/);
  });

  for (const logn of [12, 15, 18]) {
    it(`NTT of 2^${logn} elements (1, 2 and 3 threads) equals ffjavascript's Fr.fft / Fr.ifft`, async () => {
      const Fr = curve.Fr;
      const n = 1 << logn;
      // deterministic pseudo-random plain elements below r (top byte kept small)
      const plain = new Uint8Array(n * 32);
      let x = 0x9e3779b97f4a7c15n;
      for (let i = 0; i < n * 4; i++) {
        x = (x * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
        new DataView(plain.buffer).setBigUint64(i * 8, i % 4 === 3 ? x >> 8n : x, true);
      }
      writeFileSync(join(c.dir, "ntt-in.bin"), plain);
      const mont = await Fr.batchToMontgomery(plain);
      for (const inverse of [false, true]) {
        const wantM: Uint8Array = inverse ? await Fr.ifft(mont) : await Fr.fft(mont);
        const want = Buffer.from(await Fr.batchFromMontgomery(wantM));
        for (const th of ["1", "2", "3"]) {
          const out = join(c.dir, "ntt-out.bin");
          const r = runNative(bin, ["test", "ntt", join(c.dir, "ntt-in.bin"), out, "--threads", th, ...(inverse ? ["--inverse"] : [])]);
          assert.equal(r.code, 0, r.err);
          assert.ok(Buffer.from(readFileSync(out)).equals(want), `${inverse ? "ifft" : "fft"} with ${th} threads`);
        }
      }
    });
  }
});
