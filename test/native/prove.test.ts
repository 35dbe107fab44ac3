import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { releaseCurve } from "../../setup/groth16.js";
import { BUILD_SCRIPT, requireNative, runNative, SANITIZE_BIN, smallCircuit, type SmallCircuit } from "./helpers.js";

// Whole proofs from zkmargin-prover on the real `small` circuit: they verify with snarkjs, carry
// snarkjs's public signals and JSON shape, are randomized, and bad inputs fail cleanly.

interface ProofJson {
  pi_a: string[];
  pi_b: string[][];
  pi_c: string[];
  protocol: string;
  curve: string;
}

describe("native prover: Groth16 proofs (small circuit)", function () {
  this.timeout(1_800_000);
  let bin: string;
  let c: SmallCircuit;
  let vkey: unknown;
  let n = 0;

  before(async function () {
    bin = requireNative(this);
    c = await smallCircuit();
    vkey = JSON.parse(readFileSync(c.vkey, "utf8"));
  });
  after(async () => {
    await releaseCurve();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  const prove = (...extra: string[]) => {
    n++;
    const proof = join(c.dir, `proof-${n}.json`);
    const pub = join(c.dir, `public-${n}.json`);
    const r = runNative(bin, ["prove", c.zkey, c.wtns, proof, pub, ...extra]);
    assert.equal(r.code, 0, r.err);
    return { proof: JSON.parse(readFileSync(proof, "utf8")) as ProofJson, pub: JSON.parse(readFileSync(pub, "utf8")) as string[], err: r.err, file: proof };
  };

  it("a native proof verifies with snarkjs.groth16.verify and has snarkjs's public signals and JSON shape", async () => {
    const { proof, pub } = prove();
    assert.equal(await snarkjs.groth16.verify(vkey, pub, proof), true);
    const ref = (await snarkjs.groth16.prove(c.zkey, c.wtns)) as { proof: ProofJson; publicSignals: string[] };
    assert.deepEqual(pub, ref.publicSignals);
    assert.equal(await snarkjs.groth16.verify(vkey, ref.publicSignals, ref.proof), true);
    // same keys in the same order, same nesting, decimal strings, normalized affine coordinates
    assert.deepEqual(Object.keys(proof), Object.keys(ref.proof));
    const shape = (x: unknown): unknown =>
      Array.isArray(x)
        ? x.map(shape)
        : x && typeof x === "object"
          ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k, shape(v)]))
          : typeof x === "string" && /^\d+$/.test(x)
            ? "dec"
            : x;
    assert.deepEqual(shape(proof), shape(ref.proof));
    assert.equal(proof.pi_a[2], "1");
    assert.equal(proof.pi_c[2], "1");
    assert.deepEqual(proof.pi_b[2], ["1", "0"]);
    assert.equal(proof.protocol, "groth16");
    assert.equal(proof.curve, "bn128");
  });

  it("two proofs of one witness differ (fresh r and s) and both verify", async () => {
    const p1 = prove();
    const p2 = prove("--threads", "1");
    assert.notDeepEqual(p1.proof.pi_a, p2.proof.pi_a);
    assert.notDeepEqual(p1.proof.pi_b, p2.proof.pi_b);
    assert.notDeepEqual(p1.proof.pi_c, p2.proof.pi_c);
    assert.deepEqual(p1.pub, p2.pub);
    assert.equal(await snarkjs.groth16.verify(vkey, p1.pub, p1.proof), true);
    assert.equal(await snarkjs.groth16.verify(vkey, p2.pub, p2.proof), true);
  });

  it("a proof does not verify for other public signals, nor when a point is swapped", async () => {
    const { proof, pub } = prove();
    const other = [...pub];
    other[2] = String(BigInt(other[2]!) + 1n);
    assert.equal(await snarkjs.groth16.verify(vkey, other, proof), false);
    const p2 = prove().proof;
    assert.equal(await snarkjs.groth16.verify(vkey, pub, { ...proof, pi_c: p2.pi_c }), false);
  });

  it("fixed blinding factors give a deterministic proof that verifies (test prove-rs), r = s = 0 included", async () => {
    const { pub } = prove();
    for (const [r, s] of [
      ["12345", "67890"],
      ["0", "0"],
    ]) {
      const a = runNative(bin, ["test", "prove-rs", c.zkey, c.wtns, r!, s!]);
      const b = runNative(bin, ["test", "prove-rs", c.zkey, c.wtns, r!, s!, "--threads", "1"]);
      assert.equal(a.code, 0, a.err);
      assert.equal(a.out, b.out);
      assert.equal(await snarkjs.groth16.verify(vkey, pub, JSON.parse(a.out)), true, `r=${r} s=${s}`);
    }
  });

  it("--timings prints one JSON line of per-phase milliseconds on stderr", () => {
    const { err } = prove("--timings", "--threads", "2");
    const lines = err.trim().split("\n");
    assert.equal(lines.length, 1);
    const t = JSON.parse(lines[0]!);
    for (const k of ["read", "abc", "fft", "msm_a", "msm_b1", "msm_b2", "msm_c", "msm_h", "total"]) assert.equal(typeof t[k], "number", k);
    assert.equal(t.threads, 2);
  });

  it("writes its outputs atomically: no temporary files remain", () => {
    const { file } = prove();
    assert.ok(existsSync(file));
    assert.deepEqual(
      readdirSync(c.dir).filter((f) => f.includes(".tmp")),
      [],
    );
  });

  describe("bad inputs: a one-line message, a nonzero exit code, no output files", () => {
    let i = 0;
    const fails = (zkey: string, wtns: string, re: RegExp, extra: string[] = []) => {
      i++;
      const proof = join(c.dir, `bad-proof-${i}.json`);
      const pub = join(c.dir, `bad-public-${i}.json`);
      const r = runNative(bin, ["prove", zkey, wtns, proof, pub, ...extra]);
      assert.notEqual(r.code, 0);
      assert.equal(r.out, "");
      const lines = r.err.trim().split("\n");
      assert.match(lines[0]!, re);
      if (!/usage/.test(r.err)) assert.equal(lines.length, 1, r.err);
      assert.ok(!existsSync(proof) && !existsSync(pub), "no output on failure");
    };
    /** A copy of the small zkey / wtns with some bytes changed or cut. */
    const patched = (src: string, name: string, edit: (b: Buffer) => Buffer) => {
      const f = join(c.dir, name);
      writeFileSync(f, edit(readFileSync(src)));
      return f;
    };
    const flipBit = (b: Buffer, at: number) => b.writeUInt8(b.readUInt8(at) ^ 1, at);
    const sectionStart = (b: Buffer, id: number) => {
      let p = 12;
      for (let k = 0; k < b.readUInt32LE(8); k++) {
        if (b.readUInt32LE(p) === id) return p + 12;
        p += 12 + Number(b.readBigUInt64LE(p + 4));
      }
      throw new Error(`no section ${id}`);
    };

    it("missing files", () => {
      fails(join(c.dir, "nope.zkey"), c.wtns, /cannot open .*nope\.zkey: No such file/);
      fails(c.zkey, join(c.dir, "nope.wtns"), /cannot open .*nope\.wtns/);
    });
    it("wrong magic (a witness given as key and the reverse)", () => {
      fails(c.wtns, c.wtns, /not a \.zkey file \(bad magic/);
      fails(c.zkey, c.zkey, /not a \.wtns file \(bad magic/);
    });
    it("not Groth16 (a plonk protocol id)", () => {
      const z = patched(c.zkey, "plonk.zkey", (b) => {
        b.writeUInt32LE(2, sectionStart(b, 1));
        return b;
      });
      fails(z, c.wtns, /not a Groth16 proving key \(protocol 2, plonk\)/);
    });
    it("wrong curve: another prime q or r in the key, another prime in the witness", () => {
      const zq = patched(c.zkey, "q.zkey", (b) => {
        flipBit(b, sectionStart(b, 2) + 4);
        return b;
      });
      fails(zq, c.wtns, /not a BN254 key \(wrong base field prime q\)/);
      const zr = patched(c.zkey, "r.zkey", (b) => {
        flipBit(b, sectionStart(b, 2) + 40);
        return b;
      });
      fails(zr, c.wtns, /not a BN254 key \(wrong scalar field prime r\)/);
      const w = patched(c.wtns, "q.wtns", (b) => {
        flipBit(b, sectionStart(b, 1) + 4);
        return b;
      });
      fails(c.zkey, w, /witness is not over BN254's scalar field/);
    });
    it("witness length differs from the key's variable count", () => {
      const w = patched(c.wtns, "short.wtns", (b) => {
        // drop the last value: section 2 size and the header count both shrink by one
        const h = sectionStart(b, 1);
        b.writeUInt32LE(b.readUInt32LE(h + 36) - 1, h + 36);
        const s2 = sectionStart(b, 2);
        b.writeBigUInt64LE(b.readBigUInt64LE(s2 - 8) - 32n, s2 - 8);
        return b.subarray(0, b.length - 32);
      });
      fails(c.zkey, w, /invalid witness length: the circuit .* has \d+ variables, the witness .* has \d+/);
    });
    it("truncated files", () => {
      const z = patched(c.zkey, "cut.zkey", (b) => b.subarray(0, Math.floor(b.length / 2)));
      fails(z, c.wtns, /truncated file \(section \d+ claims/);
      const z2 = patched(c.zkey, "cut2.zkey", (b) => b.subarray(0, 30));
      fails(z2, c.wtns, /truncated|section/);
      const w = patched(c.wtns, "cut.wtns", (b) => b.subarray(0, b.length - 1));
      fails(c.zkey, w, /truncated file/);
      const empty = patched(c.wtns, "empty.wtns", () => Buffer.alloc(0));
      fails(c.zkey, empty, /not a \.wtns file/);
    });
    it("a section of the wrong size and an out-of-range coefficient", () => {
      const z = patched(c.zkey, "coef.zkey", (b) => {
        const s4 = sectionStart(b, 4);
        b.writeUInt32LE(0xffffff, s4 + 4 + 8); // signal index of the first coefficient
        return b;
      });
      fails(z, c.wtns, /coefficient 0 is out of range/);
      const z2 = patched(c.zkey, "count.zkey", (b) => {
        const s4 = sectionStart(b, 4);
        b.writeUInt32LE(b.readUInt32LE(s4) + 1, s4);
        return b;
      });
      fails(z2, c.wtns, /section 4 \(coefficients\) has \d+ bytes, expected \d+/);
    });
    it("usage errors exit 2", () => {
      const r = runNative(bin, ["prove", c.zkey, c.wtns]);
      assert.equal(r.code, 2);
      assert.match(r.err, /prove needs 4 files/);
      const r2 = runNative(bin, ["prove", c.zkey, c.wtns, "a", "b", "--threads", "0"]);
      assert.equal(r2.code, 2);
      assert.match(r2.err, /--threads needs an integer/);
      assert.equal(runNative(bin, ["frobnicate"]).code, 2);
    });
  });
});

describe("native prover under AddressSanitizer + UBSan (ZKMARGIN_NATIVE_SANITIZE=1)", function () {
  this.timeout(3_600_000);
  let c: SmallCircuit;
  const env = {
    ...process.env,
    ASAN_OPTIONS: "abort_on_error=1:detect_leaks=1:strict_string_checks=1:check_initialization_order=1",
    UBSAN_OPTIONS: "halt_on_error=1:print_stacktrace=1",
  };

  before(async function () {
    if (process.env.ZKMARGIN_NATIVE_SANITIZE !== "1" || String(process.env.ZKMARGIN_NATIVE ?? "").toLowerCase() === "off") this.skip();
    const b = spawnSync(process.execPath, [BUILD_SCRIPT, "--sanitize"], { encoding: "utf8" });
    assert.equal(b.status, 0, `sanitizer build failed: ${b.stderr}`);
    assert.ok(existsSync(SANITIZE_BIN));
    c = await smallCircuit();
  });
  after(async () => {
    await releaseCurve();
    if (c) rmSync(c.dir, { recursive: true, force: true });
  });

  it("proves the small circuit with no sanitizer report, and the proof verifies", async () => {
    const proof = join(c.dir, "asan-proof.json");
    const pub = join(c.dir, "asan-public.json");
    const r = spawnSync(SANITIZE_BIN, ["prove", c.zkey, c.wtns, proof, pub, "--timings"], { encoding: "utf8", env });
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /runtime error|AddressSanitizer|LeakSanitizer/);
    const vkey = JSON.parse(readFileSync(c.vkey, "utf8"));
    assert.equal(await snarkjs.groth16.verify(vkey, JSON.parse(readFileSync(pub, "utf8")), JSON.parse(readFileSync(proof, "utf8"))), true);
    // and the error paths
    const cut = join(c.dir, "asan-cut.zkey");
    copyFileSync(c.zkey, cut);
    writeFileSync(cut, readFileSync(cut).subarray(0, 1000));
    const e = spawnSync(SANITIZE_BIN, ["prove", cut, c.wtns, proof, pub], { encoding: "utf8", env });
    assert.equal(e.status, 1, e.stderr);
    assert.doesNotMatch(e.stderr, /runtime error|AddressSanitizer|LeakSanitizer/);
  });

  it("the arithmetic, MSM and NTT drivers run clean", () => {
    const Q = "21888242871839275222246405745257275088696311157297823662689037894645226208583";
    const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
    // G2's generator (x0 x1 y0 y1)
    const G2 =
      "10857046999023057135944570762232829481370756359578518086990519993285655852781 11559732032986387107991004021392285783925812861821192530917403151452391805634 " +
      "8495653923123431417604973247489272438418190587263600148770280649306958101930 4082367875863433681332203403145435568316851327593401208105741076214120093531";
    const lines = [
      `fq_mul ${BigInt(Q) - 1n} ${BigInt(Q) - 1n}`,
      "fq_inv 0",
      "fq2_inv 0 0",
      "g1_add 1 2 1 2",
      `g1_add 1 2 1 ${BigInt(Q) - 2n}`,
      "g1_dbl 0 0",
      "g1_msm 0 -1 2 0 3 1 2 5 1 2 7 0 0 9",
      "g1_msm 3 1 2 1 4 1 2 1 1 2 1 1 2 1 1 2 1",
      `g1_msm 0 -1 1 1 3 1 2 4 1 ${BigInt(Q) - 2n} 4 1 2 4`,
      `g1_msmx 0 -1 2 1 1 3 1 2 ${R - 1n} 1 ${BigInt(Q) - 2n} 4 1 2 ${2n ** 200n}`,
      `g1_msmx 11 1 2 0 1 3 1 2 5 1 2 ${R - 5n} 0 0 9`,
      `g2_msmx 0 -1 2 1 1 2 ${G2} ${R - 1n} ${G2} ${2n ** 250n}`,
      `g1_split ${R - 1n}`,
      `g2_split ${2n ** 256n - 1n}`,
      "g1_endo 1 2",
      `g2_endo ${G2}`,
      "fr_fft 2 8 1 2 3 4 5 6 7 8",
      "fr_ifft 1 8 1 2 3 4 5 6 7 8",
      "bogus",
    ];
    const r = spawnSync(SANITIZE_BIN, ["test", "arith"], { encoding: "utf8", env, input: lines.join("\n") + "\n" });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim().split("\n").length, lines.length);
    assert.doesNotMatch(r.stderr, /runtime error|AddressSanitizer/);
  });
});
