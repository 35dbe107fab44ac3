import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import * as snarkjs from "snarkjs";
import { generateDevPtau } from "../../setup/devPtau.js";
import { packTerms, vkeySha256, type Groth16Proof, type ProofBundle } from "../../src/prove/bundle.js";
import { toHex32 } from "../../src/crypto/poseidon.js";

/**
 * Two Groth16 keys for a toy circuit with zkmargin's public-signal layout
 * [commitment, paramsRoot, terms, context], so verifyMargin's trust rules can be tested without the
 * margin circuit: one key from the INSECURE dev powers of tau (as `zkmargin setup` makes it: dev
 * ptau, newZKey, one contribution), one from a snarkjs powers of tau with a random contribution.
 */
const root = fileURLToPath(new URL("../../", import.meta.url));
const quiet = { debug() {}, info() {}, log() {}, warn() {}, error() {} };
const POWER = 6;

export interface ToyKey {
  vkey: any;
  vkeyFile: string;
  /** A valid bundle for this key (healthBps 12500, credit limit 1234.56 USD), claiming `insecure` as its setup says. */
  bundle: ProofBundle;
}

export interface ToyKeys {
  dir: string;
  dev: ToyKey;
  honest: ToyKey;
}

const CIRCUIT = `pragma circom 2.0.0;
// Toy statement with zkmargin's public layout: output commitment, public paramsRoot, terms, context.
template Toy() {
  signal input paramsRoot;
  signal input terms;
  signal input context;
  signal input secret;
  signal output commitment;
  signal s2;
  s2 <== secret * secret;
  commitment <== s2 + paramsRoot;
  signal bound;
  bound <== terms * context;
}
component main {public [paramsRoot, terms, context]} = Toy();
`;

let built: Promise<ToyKeys> | undefined;

/** Build (once per process) the toy circuit, both keys and a bundle for each. */
export function toyKeys(): Promise<ToyKeys> {
  built ??= build();
  return built;
}

async function build(): Promise<ToyKeys> {
  const dir = join(root, ".cache", `test-toy-keys-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "toy.circom"), CIRCUIT);
  const rel = relative(root, dir);
  const run = spawnSync(process.execPath, [join(root, "node_modules", "circom2", "cli.js"), join(rel, "toy.circom"), "--r1cs", "--wasm", "-o", rel], {
    cwd: root,
    encoding: "utf8",
  });
  const r1cs = join(dir, "toy.r1cs");
  const wasm = join(dir, "toy_js", "toy.wasm");
  if (run.status !== 0 || !existsSync(r1cs)) throw new Error(`circom failed: ${run.stdout}${run.stderr}`);

  const devPtau = join(dir, "dev.ptau");
  await generateDevPtau({ power: POWER, outFile: devPtau });

  const curve = await (snarkjs as any).curves.getCurveFromName("bn128");
  const p0 = join(dir, "honest0.ptau");
  const p1 = join(dir, "honest1.ptau");
  const honestPtau = join(dir, "honest.ptau");
  await (snarkjs as any).powersOfTau.newAccumulator(curve, POWER, p0, quiet);
  await (snarkjs as any).powersOfTau.contribute(p0, p1, "random", randomBytes(32).toString("hex"), quiet);
  await (snarkjs as any).powersOfTau.preparePhase2(p1, honestPtau, quiet);

  const key = async (name: string, ptau: string, insecure: boolean): Promise<ToyKey> => {
    const z0 = join(dir, `${name}0.zkey`);
    const z1 = join(dir, `${name}.zkey`);
    await snarkjs.zKey.newZKey(r1cs, ptau, z0, quiet);
    await (snarkjs as any).zKey.contribute(z0, z1, "c1", randomBytes(32).toString("hex"), quiet);
    const vkey = await snarkjs.zKey.exportVerificationKey(z1, quiet);
    const vkeyFile = join(dir, `${name}_vkey.json`);
    writeFileSync(vkeyFile, JSON.stringify(vkey));
    const paramsRoot = 0x1234n;
    const context = 0xc0ffeen;
    const creditLimitCents = 123456n;
    const terms = packTerms(12500, creditLimitCents);
    const { proof, publicSignals } = (await snarkjs.groth16.fullProve(
      { paramsRoot, terms, context, secret: 7n },
      wasm,
      z1,
      quiet,
    )) as { proof: Groth16Proof; publicSignals: string[] };
    const commitment = 49n + paramsRoot;
    if (JSON.stringify(publicSignals) !== JSON.stringify([commitment, paramsRoot, terms, context].map(String))) {
      throw new Error(`toy public signals out of order: ${JSON.stringify(publicSignals)}`);
    }
    const bundle: ProofBundle = {
      zkmargin: 2,
      protocol: "groth16",
      curve: "bn128",
      config: "small",
      circuitHash: "0".repeat(64),
      paramsRoot: toHex32(paramsRoot),
      epoch: 1,
      healthBps: 12500,
      creditLimitCents: creditLimitCents.toString(),
      context: toHex32(context),
      commitment: toHex32(commitment),
      publicSignals,
      proof: { pi_a: proof.pi_a, pi_b: proof.pi_b, pi_c: proof.pi_c, protocol: "groth16", curve: "bn128" },
      setup: { insecure, label: insecure ? "INSECURE dev ptau" : "phase-1 file honest.ptau", vkeySha256: vkeySha256(vkey) },
      createdAt: new Date().toISOString(),
    };
    return { vkey, vkeyFile, bundle };
  };
  return { dir, dev: await key("dev", devPtau, true), honest: await key("honest", honestPtau, false) };
}
