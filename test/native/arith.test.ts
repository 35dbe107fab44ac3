import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  Arith,
  coords,
  f2inv,
  f2mul,
  ffCurve,
  g1add,
  g1mul,
  g1str,
  mod,
  modinv,
  nativeCoords,
  Q,
  R,
  requireNative,
  type Fq2,
  type P1,
} from "./helpers.js";

// Field and curve arithmetic of zkmargin-prover (through `test arith`) against JS bigints and
// ffjavascript, on random and edge values.

// BN254's parameter u: r = 36u^4 + 36u^3 + 18u^2 + 6u + 1, q = 36u^4 + 36u^3 + 24u^2 + 6u + 1; the
// eigenvalues of the G1 and G2 endomorphisms (checked below).
const u = 4965661367192848881n;
const LAMBDA = 36n * u ** 3n + 18n * u ** 2n + 6n * u + 1n;
const MU = 6n * u ** 2n;

/** Elements of [0, p): edge values half of the time. */
const arbElem = (p: bigint) =>
  fc.oneof(
    fc.constantFrom(0n, 1n, 2n, 3n, p - 1n, p - 2n, (p - 1n) / 2n, (p + 1n) / 2n, 2n ** 64n - 1n, 2n ** 64n, 2n ** 128n + 1n, 2n ** 253n, p - 2n ** 64n),
    fc.bigInt({ min: 0n, max: p - 1n }),
  );

/** Scalars for point multiplication: edges around 0 and r, and anything below 2^256. */
const arbScalar = fc.oneof(
  fc.constantFrom(0n, 1n, 2n, 3n, R - 1n, R, R + 1n, 2n * R, 2n ** 254n, 2n ** 256n - 1n),
  fc.bigInt({ min: 0n, max: R - 1n }),
  fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
  fc.bigInt({ min: 0n, max: 2n ** 20n }),
);

describe("native prover: field and curve arithmetic", function () {
  this.timeout(600_000);
  let A: Arith;
  let curve: any;

  before(async function () {
    A = new Arith(requireNative(this));
    curve = await ffCurve();
  });
  after(async () => {
    await A?.close();
    await curve?.terminate();
  });

  for (const [name, p] of [
    ["fq", Q],
    ["fr", R],
  ] as const) {
    describe(`${name}: arithmetic mod ${name === "fq" ? "q" : "r"}`, () => {
      it("add, sub, mul match bigints", async () => {
        await fc.assert(
          fc.asyncProperty(arbElem(p), arbElem(p), async (a, b) => {
            assert.deepEqual(await A.nums(`${name}_add ${a} ${b}`), [mod(a + b, p)]);
            assert.deepEqual(await A.nums(`${name}_sub ${a} ${b}`), [mod(a - b, p)]);
            assert.deepEqual(await A.nums(`${name}_mul ${a} ${b}`), [mod(a * b, p)]);
          }),
          { numRuns: 300 },
        );
      });

      it("square, negation, inverse match bigints (the inverse of 0 is 0)", async () => {
        await fc.assert(
          fc.asyncProperty(arbElem(p), async (a) => {
            assert.deepEqual(await A.nums(`${name}_sqr ${a}`), [mod(a * a, p)]);
            assert.deepEqual(await A.nums(`${name}_neg ${a}`), [mod(-a, p)]);
            const [i] = await A.nums(`${name}_inv ${a}`);
            assert.equal(i, modinv(a, p));
            assert.deepEqual(await A.nums(`${name}_vinv ${a}`), [i], "variable-time inverse (binary extended Euclid)");
            if (a !== 0n) assert.equal(mod(i! * a, p), 1n);
          }),
          { numRuns: 200 },
        );
      });

      it("rejects inputs not below the modulus", async () => {
        assert.match(await A.ask(`${name}_add ${p} 1`), /^error/);
        assert.match(await A.ask(`${name}_mul 1 ${2n ** 256n}`), /^error/);
        assert.match(await A.ask(`${name}_mul 1 -3`), /^error/);
      });
    });
  }

  it("the largest products reduce correctly: (p-1)^2, (p-1)(p-2)", async () => {
    for (const p of [Q, R]) {
      const f = p === Q ? "fq" : "fr";
      assert.deepEqual(await A.nums(`${f}_mul ${p - 1n} ${p - 1n}`), [1n]);
      assert.deepEqual(await A.nums(`${f}_mul ${p - 1n} ${p - 2n}`), [2n]);
      assert.deepEqual(await A.nums(`${f}_add ${p - 1n} ${p - 1n}`), [p - 2n]);
    }
  });

  describe("fq2 = fq[u]/(u^2 + 1)", () => {
    const arb2 = fc.tuple(arbElem(Q), arbElem(Q));
    it("mul, sqr, add, sub, neg match bigints", async () => {
      await fc.assert(
        fc.asyncProperty(arb2, arb2, async (a, b) => {
          assert.deepEqual(await A.nums(`fq2_mul ${a[0]} ${a[1]} ${b[0]} ${b[1]}`), f2mul(a, b));
          assert.deepEqual(await A.nums(`fq2_sqr ${a[0]} ${a[1]}`), f2mul(a, a));
          assert.deepEqual(await A.nums(`fq2_add ${a[0]} ${a[1]} ${b[0]} ${b[1]}`), [mod(a[0] + b[0], Q), mod(a[1] + b[1], Q)]);
          assert.deepEqual(await A.nums(`fq2_sub ${a[0]} ${a[1]} ${b[0]} ${b[1]}`), [mod(a[0] - b[0], Q), mod(a[1] - b[1], Q)]);
          assert.deepEqual(await A.nums(`fq2_neg ${a[0]} ${a[1]}`), [mod(-a[0], Q), mod(-a[1], Q)]);
        }),
        { numRuns: 200 },
      );
    });
    it("inverse matches bigints and ffjavascript's F2", async () => {
      const F2 = curve.F2;
      await fc.assert(
        fc.asyncProperty(arb2, async (a) => {
          const got = (await A.nums(`fq2_inv ${a[0]} ${a[1]}`)) as Fq2;
          assert.deepEqual(got, f2inv(a));
          if (a[0] !== 0n || a[1] !== 0n) {
            assert.deepEqual(f2mul(got, a), [1n, 0n]);
            const ff = F2.toObject(F2.inv(F2.fromObject(a))).map((x: unknown) => BigInt(x as bigint));
            assert.deepEqual(got, ff);
          }
        }),
        { numRuns: 100 },
      );
    });
  });

  // ------------------------------------------------------------------------------ curves
  for (const g of ["g1", "g2"] as const) {
    describe(`${g}: Jacobian arithmetic against ffjavascript`, () => {
      let G: any;
      let pointOf: (k: bigint) => bigint[];
      const str = (c: bigint[]) => (c.length ? c.join(" ") : g === "g1" ? "0 0" : "0 0 0 0");
      const ffPoint = (c: bigint[]) =>
        c.length === 0 ? G.zero : g === "g1" ? G.fromObject([c[0], c[1], 1n]) : G.fromObject([[c[0], c[1]], [c[2], c[3]], [1n, 0n]]);
      const ask = async (line: string) => nativeCoords(await A.nums(line));
      const arbPointK = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: R - 1n }), fc.bigInt({ min: 1n, max: 1000n }));

      before(() => {
        G = g === "g1" ? curve.G1 : curve.G2;
        pointOf = (k) => coords(G, G.timesScalar(G.g, k));
      });

      it("add (Jacobian + Jacobian) and madd (Jacobian + affine), including infinity, P + P and P + (-P)", async () => {
        await fc.assert(
          fc.asyncProperty(arbPointK, arbPointK, fc.constantFrom("random", "same", "opposite"), async (k1, k2, rel) => {
            const k2b = rel === "same" ? k1 : rel === "opposite" ? R - k1 : k2;
            const p = pointOf(k1);
            const q = pointOf(k2b);
            const want = coords(G, G.add(ffPoint(p), ffPoint(q)));
            assert.deepEqual(await ask(`${g}_add ${str(p)} ${str(q)}`), want, `add k1=${k1} k2=${k2b}`);
            assert.deepEqual(await ask(`${g}_madd ${str(p)} ${str(q)}`), want, `madd k1=${k1} k2=${k2b}`);
            assert.deepEqual(want, pointOf(mod(k1 + k2b, R)));
          }),
          { numRuns: 120 },
        );
      });

      it("double, negate, and the results are on the curve", async () => {
        await fc.assert(
          fc.asyncProperty(arbPointK, async (k) => {
            const p = pointOf(k);
            const d = await ask(`${g}_dbl ${str(p)}`);
            assert.deepEqual(d, coords(G, G.double(ffPoint(p))));
            assert.deepEqual(await A.nums(`${g}_oncurve ${str(d)}`), [1n]);
            assert.deepEqual(await ask(`${g}_neg ${str(p)}`), coords(G, G.neg(ffPoint(p))));
          }),
          { numRuns: 80 },
        );
      });

      it("scalar multiplication, with k = 0, r - 1, r, r + 1, 2^256 - 1", async () => {
        await fc.assert(
          fc.asyncProperty(fc.bigInt({ min: 1n, max: R - 1n }), arbScalar, async (kp, k) => {
            const p = pointOf(kp);
            const got = await ask(`${g}_mul ${str(p)} ${k}`);
            assert.deepEqual(got, coords(G, G.timesScalar(ffPoint(p), k % R)));
            assert.deepEqual(got, pointOf(mod(kp * k, R)));
          }),
          { numRuns: 40 },
        );
      });

      it("the point at infinity: P + O, O + P, O + O, 2 O, k O", async () => {
        const p = pointOf(12345n);
        const O = str([]);
        for (const op of ["add", "madd"]) {
          assert.deepEqual(await ask(`${g}_${op} ${str(p)} ${O}`), p);
          assert.deepEqual(await ask(`${g}_${op} ${O} ${str(p)}`), p);
          assert.deepEqual(await ask(`${g}_${op} ${O} ${O}`), []);
        }
        assert.deepEqual(await ask(`${g}_dbl ${O}`), []);
        assert.deepEqual(await ask(`${g}_mul ${O} 77`), []);
        assert.deepEqual(await ask(`${g}_neg ${O}`), []);
        assert.deepEqual(await A.nums(`${g}_oncurve ${O}`), [1n]);
        assert.deepEqual(await A.nums(`${g}_oncurve ${str(p.map((x, i) => (i === 0 ? x + 1n : x)))}`), [0n]);
      });
    });
  }

  it("g1 results agree with textbook affine formulas on bigints", async () => {
    const G: P1 = [1n, 2n];
    await fc.assert(
      fc.asyncProperty(fc.bigInt({ min: 0n, max: R - 1n }), fc.bigInt({ min: 0n, max: 200n }), async (k1, k2) => {
        const p = g1mul(G, k1);
        const q = g1mul(G, k2);
        assert.deepEqual(nativeCoords(await A.nums(`g1_add ${g1str(p)} ${g1str(q)}`)), g1add(p, q) ?? []);
        assert.deepEqual(nativeCoords(await A.nums(`g1_dbl ${g1str(p)}`)), g1add(p, p) ?? []);
      }),
      { numRuns: 30 },
    );
  });

  it("doubling a point with y = 0 gives infinity (BN254 has no such point: odd group order; the formula still must not break)", async () => {
    // Off-curve inputs are accepted by the raw formula driver: Z3 = 2 Y Z = 0 whatever x is.
    assert.deepEqual(nativeCoords(await A.nums("g1_dbl 5 0")), []);
    assert.deepEqual(nativeCoords(await A.nums("g2_dbl 5 6 0 0")), []);
  });

  // ------------------------------------------------------------------------------ endomorphisms
  describe("endomorphisms: GLV on g1, GLS on g2 (native/src/endo.hpp)", () => {
    const BOUND = 2n ** 126n;
    const abs = (x: bigint) => (x < 0n ? -x : x);

    it("u gives BN254's r and q; lambda is a cube root of unity mod r, mu = q mod r a primitive 12th root", () => {
      assert.equal(36n * u ** 4n + 36n * u ** 3n + 18n * u ** 2n + 6n * u + 1n, R);
      assert.equal(36n * u ** 4n + 36n * u ** 3n + 24n * u ** 2n + 6n * u + 1n, Q);
      assert.equal(mod(LAMBDA * LAMBDA + LAMBDA + 1n, R), 0n);
      assert.equal(MU, mod(Q, R));
      assert.equal(mod(MU ** 4n - MU ** 2n + 1n, R), 0n);
      assert.notEqual(mod(MU ** 6n, R), 1n);
    });

    for (const [g, m, name] of [
      ["g1", LAMBDA, "phi(x, y) = (beta x, y) is multiplication by lambda"],
      ["g2", MU, "psi (untwist-Frobenius-twist) is multiplication by mu = 6u^2"],
    ] as const) {
      it(`${g}: ${name} (random points, the generator, infinity; the image is on the curve)`, async () => {
        const G = g === "g1" ? curve.G1 : curve.G2;
        const str = (c: bigint[]) => (c.length ? c.join(" ") : g === "g1" ? "0 0" : "0 0 0 0");
        await fc.assert(
          fc.asyncProperty(fc.oneof(fc.constantFrom(1n, 2n, R - 1n), fc.bigInt({ min: 1n, max: R - 1n })), async (k) => {
            const p = coords(G, G.timesScalar(G.g, k));
            const img = nativeCoords(await A.nums(`${g}_endo ${str(p)}`));
            assert.deepEqual(img, coords(G, G.timesScalar(G.g, mod(k * m, R))), `k=${k}`);
            assert.deepEqual(await A.nums(`${g}_oncurve ${str(img)}`), [1n]);
          }),
          { numRuns: 40 },
        );
        assert.deepEqual(nativeCoords(await A.nums(`${g}_endo ${str([])}`)), []);
      });

      it(`${g}: the split k = k1 + k2 ${g === "g1" ? "lambda" : "mu"} (mod r) with |k1|, |k2| < 2^126, on edge and random scalars`, async () => {
        const edges = [0n, 1n, 2n, 3n, R - 1n, R - 2n, (R - 1n) / 2n, (R + 1n) / 2n, m, m + 1n, m - 1n, R - m, 2n * m, mod(m * m, R), 2n ** 64n, 2n ** 125n, 2n ** 126n, 2n ** 127n, 2n ** 128n - 1n, 2n ** 253n, R, R + 5n, 2n ** 256n - 1n];
        const check = async (k: bigint) => {
          const [k1, k2] = await A.nums(`${g}_split ${k}`);
          assert.equal(mod(k1! + k2! * m, R), mod(k, R), `k=${k}: ${k1} + ${k2} m`);
          assert.ok(abs(k1!) < BOUND && abs(k2!) < BOUND, `k=${k}: |k1|, |k2| < 2^126 (${k1}, ${k2})`);
          return [k1!, k2!];
        };
        for (const k of edges) await check(k);
        // small and negative scalars stay one part: k1 = k (or -(r - k)), k2 = 0
        assert.deepEqual(await check(12345n), [12345n, 0n]);
        assert.deepEqual(await check(R - 7n), [-7n, 0n]);
        assert.deepEqual(await check(m), [0n, 1n]);
        await fc.assert(fc.asyncProperty(fc.bigInt({ min: 0n, max: R - 1n }), async (k) => void (await check(k))), { numRuns: 400 });
      });
    }
  });

  // ------------------------------------------------------------------------------ MSM
  describe("MSM on explicit points (every window / bucket / grouping mode)", () => {
    // window (0 = auto), buckets (-1 auto, 0 Jacobian, 1 batch-affine), threads, group equal scalars,
    // endomorphism split (-1 by the cost model, 0 never, 1 always)
    const MODES = [
      [0, -1, 1, 0, -1],
      [0, -1, 2, 1, -1],
      [2, 0, 1, 0, 0],
      [3, 1, 2, 1, 0],
      [5, 1, 3, 0, 1],
      [11, 1, 2, 1, 1],
      [4, 0, 4, 1, 1],
      [0, -1, 2, 1, 1],
      [0, 1, 1, 0, 0],
      [12, 1, 1, 0, 1],
    ] as const;
    /** g1_msm (endomorphism by the cost model) in the auto mode, g1_msmx with it chosen otherwise. */
    const msmLine = (g: string, [w, aff, th, grp, endo]: readonly number[], terms: string[]) =>
      endo === -1
        ? `${g}_msm ${w} ${aff} ${th} ${grp} ${terms.length} ${terms.join(" ")}`
        : `${g}_msmx ${w} ${aff} ${th} ${grp} ${endo} ${terms.length} ${terms.join(" ")}`;

    for (const g of ["g1", "g2"] as const) {
      it(`${g}: random terms with repeated, opposite and infinite points, zero and huge scalars`, async () => {
        const G = g === "g1" ? curve.G1 : curve.G2;
        const str = (c: bigint[]) => (c.length ? c.join(" ") : g === "g1" ? "0 0" : "0 0 0 0");
        const pool = [0n, 1n, 2n, 7n, R - 1n, R - 2n, 123456789n, 2n ** 200n + 3n].map((k) => ({ k, c: coords(G, G.timesScalar(G.g, k)) }));
        const arbTerm = fc.record({
          p: fc.integer({ min: 0, max: pool.length - 1 }),
          // with the endomorphism's eigenvalues and the split's edges (parts of 0, of 2^126)
          k: fc.oneof(
            fc.constantFrom(0n, 1n, 2n, 3n, R - 1n, R, 2n ** 256n - 1n, LAMBDA, R - LAMBDA, MU, MU + 1n, 2n ** 126n, 2n ** 127n + 1n),
            fc.bigInt({ min: 0n, max: 64n }),
            fc.bigInt({ min: 0n, max: R - 1n }),
          ),
        });
        await fc.assert(
          fc.asyncProperty(fc.array(arbTerm, { maxLength: 40 }), fc.constantFrom(...MODES), async (terms, mode) => {
            let want = 0n;
            for (const t of terms) want = mod(want + pool[t.p]!.k * t.k, R);
            const line = msmLine(g, mode, terms.map((t) => `${str(pool[t.p]!.c)} ${t.k}`));
            assert.deepEqual(nativeCoords(await A.nums(line)), coords(G, G.timesScalar(G.g, want)), `mode ${mode.join("/")}`);
          }),
          { numRuns: 80 },
        );
      });

      it(`${g}: batch-affine buckets double and cancel (P + P, P + (-P) in one bucket)`, async () => {
        const G = g === "g1" ? curve.G1 : curve.G2;
        const P = coords(G, G.timesScalar(G.g, 99n));
        const N = coords(G, G.neg(G.timesScalar(G.g, 99n)));
        const s = (c: bigint[]) => c.join(" ");
        const cases: [bigint[][], bigint[], bigint][] = [
          [[P, P], [1n, 1n], 2n],
          [[P, N], [5n, 5n], 0n],
          [[P, N, P], [1n, 1n, 1n], 1n],
          [[P, P, P, P, N], [3n, 3n, 3n, 3n, 3n], 9n],
          [Array(50).fill(P), Array(50).fill(1n), 50n],
        ];
        for (const [pts, ks, total] of cases) {
          for (const mode of MODES) {
            const line = msmLine(g, mode, pts.map((p, i) => `${s(p)} ${ks[i]}`));
            assert.deepEqual(nativeCoords(await A.nums(line)), coords(G, G.timesScalar(G.g, mod(99n * total, R))), `${line.slice(0, 60)}... mode ${mode.join("/")}`);
          }
        }
      });
    }
  });

  // ------------------------------------------------------------------------------ NTT
  describe("NTT over fr, against ffjavascript's Fr.fft / Fr.ifft", () => {
    it("roots of unity are ffjavascript's Fr.w[k]", async () => {
      for (let k = 0; k <= 28; k++) {
        assert.deepEqual(await A.nums(`fr_root ${k}`), [BigInt(curve.Fr.toObject(curve.Fr.w[k]))], `w[${k}]`);
      }
    });

    it("fft and ifft of random vectors (n = 1 .. 64), any thread count", async () => {
      const Fr = curve.Fr;
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }), fc.infiniteStream(arbElem(R)), async (logn, th, vals) => {
          const n = 1 << logn;
          const v: bigint[] = [];
          for (const x of vals) {
            v.push(x);
            if (v.length === n) break;
          }
          const buff = new Uint8Array(n * 32);
          v.forEach((x, i) => buff.set(Fr.e(x), i * 32));
          for (const [cmd, fn] of [
            ["fr_fft", "fft"],
            ["fr_ifft", "ifft"],
          ] as const) {
            const out: Uint8Array = await Fr[fn](buff);
            const want = Array.from({ length: n }, (_, i) => BigInt(Fr.toObject(out.slice(i * 32, i * 32 + 32))));
            assert.deepEqual(await A.nums(`${cmd} ${th} ${n} ${v.join(" ")}`), want, `${cmd} n=${n}`);
          }
        }),
        { numRuns: 40 },
      );
    });
  });
});
