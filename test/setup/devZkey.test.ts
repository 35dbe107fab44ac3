import { strict as assert } from "node:assert";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { generateDevPtau } from "../../setup/devPtau.js";
import { devSetupSecrets, knownDeltaContribution, nativeDevZkey, writeMpcSection } from "../../setup/devZkey.js";
import { compileCircuit } from "../../src/circuit/compile.js";
import { getConfig } from "../../src/config/circuits.js";
import { isDevKey } from "../../src/prove/devKey.js";
import { nativeProverStatus } from "../../src/prove/native.js";

/**
 * The native dev key (setup/devZkey.ts, native/src/devsetup.cpp) against snarkjs:
 *   - without delta, the binary's key is byte for byte what `snarkjs zkey new` writes from the dev
 *     ptau (every section, the coefficients, the circuit hash);
 *   - with delta and the appended contribution, `snarkjs zkey verify` accepts the key against the
 *     r1cs and the dev ptau, and proofs from snarkjs and the native prover verify;
 *   - a record that lies about delta is refused by `zkey verify`.
 * On a test circuit whose domain is 2^5; ZKMARGIN_SLOW=1 adds the byte comparison on one of 2^15
 * (where snarkjs hashes the H points in chunks of 2^14 and its count differs) and on the `small`
 * configuration (snarkjs's `zkey new` alone takes minutes). Every CI run also proves and verifies
 * with the native dev keys of `small` and `small-verified` (test/prove, test/chain, test/native).
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };
const status = nativeProverStatus();

function circuit(n: number): string {
  return `pragma circom 2.1.0;
// A chain of n products with public inputs and outputs: every section of a key is non-trivial.
template Chain(n) {
  signal input a;
  signal input b[n];
  signal input c;
  signal output out;
  signal output sq;
  signal acc[n + 1];
  acc[0] <== a;
  for (var i = 0; i < n; i++) acc[i + 1] <== acc[i] * b[i] + 3 * c;
  out <== acc[n];
  sq <== a * a + c;
}
component main {public [a, c]} = Chain(${n});
`;
}

function sections(buf: Buffer): Map<number, Buffer> {
  assert.equal(buf.subarray(0, 4).toString("latin1"), "zkey");
  const out = new Map<number, Buffer>();
  let pos = 12;
  for (let i = 0; i < buf.readUInt32LE(8); i++) {
    const id = buf.readUInt32LE(pos);
    const size = Number(buf.readBigUInt64LE(pos + 4));
    out.set(id, buf.subarray(pos + 12, pos + 12 + size));
    pos += 12 + size;
  }
  assert.equal(pos, buf.length);
  return out;
}

(status.available ? describe : describe.skip)("setup/devZkey: the INSECURE dev key computed natively", function () {
  this.timeout(600_000);
  const dir = join(root, ".cache", `test-devzkey-${process.pid}`);
  const binary = status.binary!;

  before(() => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  });
  after(async () => {
    rmSync(dir, { recursive: true, force: true });
    const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
    if (g.curve_bn128) {
      await g.curve_bn128.terminate();
      delete g.curve_bn128;
    }
  });

  async function compile(name: string, n: number): Promise<{ r1cs: string; wasm: string }> {
    writeFileSync(join(dir, `${name}.circom`), circuit(n));
    const rel = relative(root, dir);
    const run = spawnSync(process.execPath, [join(root, "node_modules", "circom2", "cli.js"), join(rel, `${name}.circom`), "--r1cs", "--wasm", "-o", rel], { cwd: root, encoding: "utf8" });
    const r1cs = join(dir, `${name}.r1cs`);
    if (run.status !== 0 || !existsSync(r1cs)) throw new Error(`circom failed: ${run.stdout}${run.stderr}`);
    return { r1cs, wasm: join(dir, `${name}_js`, `${name}.wasm`) };
  }

  /** The binary's key without delta: what `zkey new` writes. */
  function nativeNew(r1cs: string, out: string): { csHash: string; power: number } {
    const s = devSetupSecrets();
    const stdout = execFileSync(binary, ["devsetup", r1cs, out, "--tau", `${s.tau}`, "--alpha", `${s.alpha}`, "--beta", `${s.beta}`], { encoding: "utf8" });
    return JSON.parse(stdout) as { csHash: string; power: number };
  }

  function assertSameFile(a: string, b: string): void {
    const [sa, sb] = [sections(readFileSync(a)), sections(readFileSync(b))];
    assert.deepEqual([...sa.keys()], [...sb.keys()], "same sections in the same order");
    for (const [id, v] of sa) assert.ok(v.equals(sb.get(id)!), `section ${id} is identical`);
    assert.ok(readFileSync(a).equals(readFileSync(b)));
  }

  // The 2^15 case needs a 2^16 dev ptau (about a minute to make): ZKMARGIN_SLOW=1 only (`npm run
  // test:large` sets it), like test/setup/phase2.test.ts's 2^15 case, which checks the same chunked
  // circuit hash (shared code, native/src/zkeyfile.cpp) on a ptau of exactly the circuit's power.
  for (const [name, n, ptauPower] of [
    ["chain20", 20, 6],
    ...(process.env.ZKMARGIN_SLOW === "1" ? ([["chain20000", 20000, 16]] as const) : []),
  ] as const) {
    describe(`${name} (${n} products)`, () => {
      let r1cs: string;
      let wasm: string;
      let ptau: string;
      before(async () => {
        ({ r1cs, wasm } = await compile(name, n));
        ptau = join(dir, `dev${ptauPower}.ptau`);
        if (!existsSync(ptau)) await generateDevPtau({ power: ptauPower, outFile: ptau });
      });

      it("without delta, equals `snarkjs zkey new` from the dev ptau byte for byte", async () => {
        const ours = join(dir, `${name}-native0.zkey`);
        const theirs = join(dir, `${name}-snarkjs0.zkey`);
        const info = nativeNew(r1cs, ours);
        assert.equal(info.power + 1, ptauPower, "the test's ptau is one power above the circuit's domain");
        const csHash = (await snarkjs.zKey.newZKey(r1cs, ptau, theirs, quiet)) as Uint8Array;
        assert.equal(Buffer.from(csHash).toString("hex"), info.csHash);
        assertSameFile(ours, theirs);
      });

      (n === 20 ? it : it.skip)("with the dev contribution: zkey verify accepts it, snarkjs and native proofs verify, isDevKey", async () => {
        const zkey = join(dir, `${name}.zkey`);
        const res = await nativeDevZkey(binary, r1cs, zkey);
        assert.match(res.contributionHash, /^[0-9a-f]{128}$/);
        assert.equal(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, quiet), true);
        const vkey = await snarkjs.zKey.exportVerificationKey(zkey, quiet);
        assert.ok(isDevKey(vkey), "recognised as a dev key from the key alone");
        const input = { a: 3, b: Array.from({ length: n }, (_, i) => (i % 7) + 2), c: 5 };
        const { proof, publicSignals } = await snarkjs.groth16.fullProve(input, wasm, zkey);
        assert.equal(await snarkjs.groth16.verify(vkey, publicSignals, proof), true);
        const wtns = join(dir, `${name}.wtns`);
        await snarkjs.wtns.calculate(input, wasm, wtns);
        const [pf, pub] = [join(dir, `${name}-proof.json`), join(dir, `${name}-public.json`)];
        execFileSync(binary, ["prove", zkey, wtns, pf, pub]);
        const nativeProof = JSON.parse(readFileSync(pf, "utf8"));
        const nativePublic = JSON.parse(readFileSync(pub, "utf8"));
        assert.deepEqual(nativePublic, publicSignals);
        assert.equal(await snarkjs.groth16.verify(vkey, nativePublic, nativeProof), true);
        // and a proof for other public inputs does not verify under these signals
        assert.equal(await snarkjs.groth16.verify(vkey, [...publicSignals.slice(0, -1), "6"], proof), false);
      });

      if (n === 20) {
        it("zkey verify refuses a contribution record that lies about delta", async () => {
          const zkey = join(dir, `${name}-lie.zkey`);
          const res = await nativeDevZkey(binary, r1cs, zkey);
          const { delta } = devSetupSecrets();
          // a valid proof of knowledge of delta + 1, recorded on a key that applied delta
          const lie = await knownDeltaContribution(Buffer.from(res.csHash, "hex"), delta + 1n, 12345n, "lie");
          writeMpcSection(zkey, Buffer.from(res.csHash, "hex"), [lie.record]);
          assert.equal(await snarkjs.zKey.verifyFromR1cs(r1cs, ptau, zkey, quiet), false);
        });

        it("the binary refuses bad input with a message", () => {
          const s = devSetupSecrets();
          const run = (args: string[]) => spawnSync(binary, ["devsetup", ...args], { encoding: "utf8" });
          let r = run([r1cs, join(dir, "x.zkey"), "--tau", "0", "--alpha", `${s.alpha}`, "--beta", `${s.beta}`]);
          assert.equal(r.status, 1);
          assert.match(r.stderr, /tau must be in 1 \.\. r-1/);
          r = run([r1cs, join(dir, "x.zkey"), "--alpha", `${s.alpha}`, "--beta", `${s.beta}`]);
          assert.equal(r.status, 2);
          assert.match(r.stderr, /needs --tau, --alpha and --beta/);
          r = run([ptau, join(dir, "x.zkey"), "--tau", `${s.tau}`, "--alpha", `${s.alpha}`, "--beta", `${s.beta}`]);
          assert.equal(r.status, 1);
          assert.match(r.stderr, /not a \.r1cs file/);
          assert.equal(existsSync(join(dir, "x.zkey")), false, "nothing written on error");
        });
      }
    });
  }

  (process.env.ZKMARGIN_SLOW === "1" ? it : it.skip)("small: equals `snarkjs zkey new` byte for byte (ZKMARGIN_SLOW=1; minutes)", async () => {
    const compiled = await compileCircuit(getConfig("small"));
    const ptau = join(dir, `dev${compiled.power + 1}.ptau`);
    await generateDevPtau({ power: compiled.power + 1, outFile: ptau });
    const ours = join(dir, "small-native0.zkey");
    const theirs = join(dir, "small-snarkjs0.zkey");
    nativeNew(compiled.r1cs, ours);
    await snarkjs.zKey.newZKey(compiled.r1cs, ptau, theirs, quiet);
    assertSameFile(ours, theirs);
  });
});
