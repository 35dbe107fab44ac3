import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { generateDevPtau } from "../../setup/devPtau.js";
import { nativeContribute, nativeNewZkey, r1csPower } from "../../setup/phase2.js";
import { nativeProverStatus } from "../../src/prove/native.js";

/**
 * Production phase 2 with the native binary (setup/phase2.ts, native/src/phase2.cpp) against snarkjs:
 * `zkey new` byte for byte, a ceremony mixing native and snarkjs contributions that `snarkjs zkey
 * verify` accepts, and a native beacon equal to snarkjs's byte for byte (the beacon is
 * deterministic). The ptau is a locally generated one (no public file can be downloaded here); the
 * code does not know or care where it came from. The last case is a 2^15 circuit on a ptau of exactly
 * its power, where snarkjs's circuit hash counts its H points differently and reads one past the
 * ptau's tau section (about a minute; ZKMARGIN_SLOW=1, which `npm run test:large` sets).
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };
const status = nativeProverStatus();

function chain(n: number): string {
  return `pragma circom 2.1.0;
template Chain(n) {
  signal input a;
  signal input b[n];
  signal input c;
  signal output out;
  signal acc[n + 1];
  acc[0] <== a;
  for (var i = 0; i < n; i++) acc[i + 1] <== acc[i] * b[i] + 7 * c;
  out <== acc[n] * c;
}
component main {public [c]} = Chain(${n});
`;
}

(status.available ? describe : describe.skip)("setup/phase2: production phase 2 with the native binary", function () {
  this.timeout(900_000);
  const dir = join(root, ".cache", `test-phase2-${process.pid}`);
  const binary = status.binary!;
  let r1cs: string;
  let wasm: string;

  function compile(name: string, n: number): { r1cs: string; wasm: string } {
    writeFileSync(join(dir, `${name}.circom`), chain(n));
    const rel = relative(root, dir);
    const run = spawnSync(process.execPath, [join(root, "node_modules", "circom2", "cli.js"), join(rel, `${name}.circom`), "--r1cs", "--wasm", "-o", rel], { cwd: root, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`circom failed: ${run.stdout}${run.stderr}`);
    return { r1cs: join(dir, `${name}.r1cs`), wasm: join(dir, `${name}_js`, `${name}.wasm`) };
  }

  before(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    ({ r1cs, wasm } = compile("chain30", 30));
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) {
      await g.curve_bn128.terminate();
      delete g.curve_bn128;
    }
  });

  it("zkey new equals snarkjs's byte for byte, on a ptau of a higher power and of exactly the circuit's", async () => {
    const k = r1csPower(r1cs);
    assert.equal(k, 6);
    for (const P of [k, k + 2]) {
      const ptau = join(dir, `given${P}.ptau`);
      await generateDevPtau({ power: P, outFile: ptau, seed: "phase-2 test" });
      const [ours, theirs] = [join(dir, `n${P}.zkey`), join(dir, `s${P}.zkey`)];
      const res = await nativeNewZkey(binary, r1cs, ptau, ours);
      assert.equal(res.power, k);
      assert.equal(res.ptauPower, P);
      const csHash = (await snarkjs.zKey.newZKey(r1cs, ptau, theirs, quiet)) as Uint8Array;
      assert.equal(res.csHash, Buffer.from(csHash).toString("hex"));
      assert.ok(readFileSync(ours).equals(readFileSync(theirs)), `P = ${P}: the files are identical`);
    }
  });

  it("refuses a ptau too small for the circuit, naming both powers", async () => {
    const ptau = join(dir, "tiny.ptau");
    await generateDevPtau({ power: 4, outFile: ptau });
    await assert.rejects(nativeNewZkey(binary, r1cs, ptau, join(dir, "x.zkey")), /needs 2\^6 .* has 2\^4/);
    assert.equal(existsSync(join(dir, "x.zkey")), false);
  });

  it("a ceremony mixing native and snarkjs contributions and a native beacon: snarkjs zkey verify accepts it; proofs verify", async () => {
    const ptau = join(dir, "given6.ptau");
    const z = (i: number | string) => join(dir, `c${i}.zkey`);
    await nativeNewZkey(binary, r1cs, ptau, z(0));
    const h1 = await nativeContribute(binary, z(0), z(1), "alice (native)", { kind: "random", entropy: "alice's dice" });
    const h2 = Buffer.from((await snarkjs.zKey.contribute(z(1), z(2), "bob (snarkjs)", "bob's entropy", quiet)) as Uint8Array).toString("hex");
    const h3 = await nativeContribute(binary, z(2), z(3), "carol (native)", { kind: "random" });
    assert.equal(new Set([h1, h2, h3]).size, 3);
    const beacon = "c0ffee".repeat(11);
    const hb = await nativeContribute(binary, z(3), z(4), "final beacon", { kind: "beacon", hash: beacon, iterationsExp: 10 });
    const hbs = Buffer.from((await snarkjs.zKey.beacon(z(3), z("4s"), "final beacon", beacon, 10, quiet)) as Uint8Array).toString("hex");
    assert.equal(hb, hbs, "the same beacon contribution hash");
    assert.ok(readFileSync(z(4)).equals(readFileSync(z("4s"))), "the native beacon writes snarkjs's file byte for byte");
    assert.equal(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, z(4), quiet), true);
    const vkey = await snarkjs.zKey.exportVerificationKey(z(4), quiet);
    const input = { a: 2, b: Array.from({ length: 30 }, (_, i) => i + 1), c: 3 };
    const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, z(4));
    assert.equal(await snarkjs.groth16.verify(vkey, publicSignals, proof), true);
    // the same key with two points of its L section swapped fails verification
    const bad = Buffer.from(readFileSync(z(4)));
    let pos = 12;
    for (let i = 0; i < bad.readUInt32LE(8); i++) {
      const id = bad.readUInt32LE(pos);
      const size = Number(bad.readBigUInt64LE(pos + 4));
      if (id === 8) {
        const p0 = Buffer.from(bad.subarray(pos + 12, pos + 76));
        bad.copy(bad, pos + 12, pos + 76, pos + 140);
        p0.copy(bad, pos + 76);
      }
      pos += 12 + size;
    }
    assert.ok(!bad.equals(readFileSync(z(4))));
    writeFileSync(z("bad"), bad);
    assert.equal(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, z("bad"), quiet), false);
  });

  // About a minute (a 2^15 compile, ptau and snarkjs zkey new): `npm run test:large` and
  // ZKMARGIN_SLOW=1 only, with devZkey's 2^15 case (the same chunked hash, native/src/zkeyfile.cpp).
  (process.env.ZKMARGIN_SLOW === "1" ? it : it.skip)("a 2^15 circuit on a 2^15 ptau (snarkjs's hash takes its H points in chunks and reads one past the tau section): byte for byte (ZKMARGIN_SLOW=1)", async () => {
    const big = compile("chain20000", 20000);
    const ptau = join(dir, "given15.ptau");
    await generateDevPtau({ power: 15, outFile: ptau, seed: "phase-2 test" });
    const [ours, theirs] = [join(dir, "n15.zkey"), join(dir, "s15.zkey")];
    await nativeNewZkey(binary, big.r1cs, ptau, ours);
    await snarkjs.zKey.newZKey(big.r1cs, ptau, theirs, quiet);
    assert.ok(readFileSync(ours).equals(readFileSync(theirs)));
  });
});
