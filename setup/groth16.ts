/**
 * Trusted setup for a circuit configuration (Groth16 over BN254, snarkjs).
 *
 *   dev:        INSECURE: tau, alpha, beta and delta come from a public seed. With the native
 *               binary the key is computed straight from those secrets (setup/devZkey.ts, seconds;
 *               the same key snarkjs would make from the dev ptau with that delta); without it, an
 *               INSECURE powers of tau is generated locally (setup/devPtau.ts) and snarkjs runs
 *               phase 2 with one local contribution (minutes). Labelled INSECURE in file names,
 *               logs, the setup record and every proof bundle made with it.
 *   production: a public phase-1 file given by path (e.g. powersOfTau28_hez_final_17.ptau, already
 *               prepared for phase 2), phase 2 with N contributions (fresh random entropy each), a
 *               random beacon, then `zkey verify` against the r1cs and the ptau.
 * Both export the verification key and the snarkjs-generated Solidity verifier.
 *
 * Artifacts live in <cache>/setup/<config>-<circuit hash>/ (final.zkey, verification_key.json,
 * Groth16Verifier.sol, setup.json). A second run with the same circuit and ptau is instant; a
 * changed circuit gets a new folder.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, openSync, readSync, closeSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
// snarkjs (and ffjavascript under it) loads when a setup is made, not with this module: `prove`
// only looks a setup up here (findSetup, provingArtifacts).
type Snarkjs = typeof import("snarkjs");
const loadSnarkjs = (): Promise<Snarkjs> => import("snarkjs");
import { circuitHash, compileCircuit, type CompiledCircuit } from "../src/circuit/compile.js";
import { cacheDir } from "../src/circuit/paths.js";
import type { CircuitConfig } from "../src/config/circuits.js";
import { ZkMarginError } from "../src/errors.js";
import { type ProgressFn, silent, timed } from "../src/util/progress.js";
import { generateDevPtau } from "./devPtau.js";
import { DEV_ZKEY_CONTRIBUTION_NAME, nativeDevZkey } from "./devZkey.js";
import { nativeContribute, nativeNewZkey } from "./phase2.js";
import { nativeProverStatus } from "../src/prove/native.js";
import type { ProvingArtifacts } from "../src/prove/prove.js";

const require = createRequire(import.meta.url);

/** What a setup records in its `setup.json`: the circuit, the powers of tau, contributions, beacon, timings. */
export interface SetupRecord {
  config: string;
  circuitHash: string;
  constraints: number;
  power: number;
  insecure: boolean;
  /**
   * How the key was made: snarkjs's phase 2; the native binary's phase 2 (the same files); or
   * natively from the dev seed's secrets (INSECURE).
   */
  method?: "snarkjs" | "native" | "native-dev";
  ptau: { kind: "dev" | "file"; file: string; sha256: string; power: number; label: string };
  contributions: { name: string; hash: string }[];
  beacon: { hash: string; iterationsExp: number } | null;
  verified: boolean;
  seconds: { compile: number; ptau: number; zkey: number; contributions: number; verify: number; total: number };
  createdAt: string;
}

/** A finished setup: its folder, final zkey, verification key, Solidity verifier, record and circuit. */
export interface SetupArtifacts {
  dir: string;
  zkey: string;
  vkey: string;
  verifierSol: string;
  record: SetupRecord;
  circuit: CompiledCircuit;
}

export function setupDir(config: CircuitConfig, circuitHash: string): string {
  return join(cacheDir(), "setup", `${config.name}-${circuitHash.slice(0, 12)}`);
}

function artifactsAt(dir: string, circuit: CompiledCircuit): SetupArtifacts | undefined {
  const recFile = join(dir, "setup.json");
  if (!existsSync(recFile)) return undefined;
  return {
    dir,
    zkey: join(dir, "final.zkey"),
    vkey: join(dir, "verification_key.json"),
    verifierSol: join(dir, "Groth16Verifier.sol"),
    record: JSON.parse(readFileSync(recFile, "utf8")) as SetupRecord,
    circuit,
  };
}

/**
 * The current setup of a configuration, if one exists for the circuit as it is now. Hashing the
 * sources decides; the circuit is compiled (a cache hit, normally) only when a setup exists, for
 * its wasm.
 */
export async function findSetup(config: CircuitConfig, progress: ProgressFn = silent): Promise<SetupArtifacts | undefined> {
  if (!findSetupRecord(config, circuitHash(config))) return undefined;
  const circuit = await compileCircuit(config, { progress });
  return artifactsAt(setupDir(config, circuit.circuitHash), circuit);
}

/**
 * The local setup of a configuration for a given circuit hash (a proof bundle's), without hashing
 * or compiling anything: what a verifier needs (the verification key and the setup record).
 */
export function findSetupRecord(config: CircuitConfig, hash: string): { dir: string; vkey: string; verifierSol: string; record: SetupRecord } | undefined {
  const dir = setupDir(config, hash);
  const recFile = join(dir, "setup.json");
  const vkey = join(dir, "verification_key.json");
  if (!existsSync(recFile) || !existsSync(vkey)) return undefined;
  const record = JSON.parse(readFileSync(recFile, "utf8")) as SetupRecord;
  if (record.circuitHash !== hash) return undefined;
  return { dir, vkey, verifierSol: join(dir, "Groth16Verifier.sol"), record };
}

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest("hex");
}

/** Read a .ptau header: its power and whether it carries the phase-2 (Lagrange) sections. */
export function ptauInfo(file: string): { power: number; prepared: boolean } {
  let fd: number;
  try {
    fd = openSync(file, "r");
  } catch (e) {
    throw new ZkMarginError("FILE", `cannot read ptau file ${JSON.stringify(file)}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`, { path: "--ptau" });
  }
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (head.toString("ascii", 0, 4) !== "ptau") throw new ZkMarginError("FILE", `${JSON.stringify(file)} is not a .ptau file`, { path: "--ptau" });
    const nSections = head.readUInt32LE(8);
    let pos = 12;
    const types = new Set<number>();
    let power = -1;
    for (let i = 0; i < nSections; i++) {
      const sh = Buffer.alloc(12);
      readSync(fd, sh, 0, 12, pos);
      const type = sh.readUInt32LE(0);
      const size = Number(sh.readBigUInt64LE(4));
      types.add(type);
      if (type === 1) {
        const hb = Buffer.alloc(4 + 32 + 4);
        readSync(fd, hb, 0, hb.length, pos + 12);
        power = hb.readUInt32LE(4 + 32);
      }
      pos += 12 + size;
    }
    return { power, prepared: [12, 13, 14, 15].every((t) => types.has(t)) };
  } finally {
    closeSync(fd);
  }
}

/** snarkjs's package folder (its package.json is not an exported subpath). */
export function snarkjsDir(): string {
  let dir = dirname(require.resolve("snarkjs"));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir;
}

function solidityTemplate(): string {
  return readFileSync(join(snarkjsDir(), "templates", "verifier_groth16.sol.ejs"), "utf8");
}

const logger = (progress: ProgressFn) => ({
  debug: () => {},
  info: (m: string) => progress(`  ${m}`),
  warn: (m: string) => progress(`  warning: ${m}`),
  error: (m: string) => progress(`  error: ${m}`),
});

/** Options of setupCircuit (dev by default; production with `ptau`). */
export interface SetupOptions {
  /** A prepared phase-1 file for production; omit for the INSECURE dev ptau. */
  ptau?: string;
  /** Phase-2 contributions (default 1 for dev, 3 for production). */
  contributions?: number;
  /** Beacon hash (hex, 32+ bytes) for production; default: fresh random bytes, recorded. */
  beacon?: string;
  force?: boolean;
  /** Run `zkey verify` (always for production; optional for dev, where it doubles the time). */
  verify?: boolean;
  progress?: ProgressFn;
  /**
   * Dev only: make the key with snarkjs (dev ptau, `zkey new`, a random contribution) even when the
   * native binary could compute it from the seed in seconds.
   */
  snarkjs?: boolean;
}

/** Run (or reuse) the trusted setup of a configuration. */
export async function setupCircuit(config: CircuitConfig, opts: SetupOptions = {}): Promise<SetupArtifacts> {
  const progress = opts.progress ?? silent;
  const t0 = Date.now();
  const circuit = await compileCircuit(config, { progress });
  const dir = setupDir(config, circuit.circuitHash);
  const production = opts.ptau !== undefined;

  // The INSECURE dev key straight from the seed's secrets, natively (setup/devZkey.ts), unless
  // the native binary is missing or a snarkjs-made dev key is asked for.
  const nativeDev = !production && !opts.snarkjs && (opts.contributions ?? 1) === 1 ? nativeProverStatus() : undefined;
  if (nativeDev?.available) return nativeDevSetup(config, circuit, dir, nativeDev.binary!, opts, t0);

  // ptau
  const tp = Date.now();
  let ptauFile: string;
  let ptauLabel: string;
  let ptauPower: number;
  if (production) {
    ptauFile = opts.ptau!;
    const info = ptauInfo(ptauFile);
    if (info.power < circuit.power) {
      throw new ZkMarginError(
        "CAPACITY",
        `ptau file ${JSON.stringify(ptauFile)} supports 2^${info.power} constraints; the ${config.name} circuit needs 2^${circuit.power} (${circuit.constraints} constraints)`,
        { path: "--ptau", value: info.power, limit: `>= ${circuit.power}` },
      );
    }
    if (!info.prepared) {
      throw new ZkMarginError(
        "FILE",
        `ptau file ${JSON.stringify(ptauFile)} is not prepared for phase 2 (no Lagrange sections); run \`snarkjs powersoftau prepare phase2\` on it or use a *_final_* file`,
        { path: "--ptau" },
      );
    }
    ptauPower = info.power;
    ptauLabel = `phase-1 file ${ptauFile}`;
  } else {
    const cached = reusableDevSetup(dir, circuit, opts);
    if (cached) {
      progress(`setup for ${config.name} is cached in ${dir} (INSECURE dev ptau)`);
      return cached;
    }
    ptauPower = circuit.power;
    ptauFile = await devPtauFile(ptauPower, progress);
    ptauLabel = DEV_PTAU_LABEL;
  }
  const ptauHash = await sha256File(ptauFile);
  const ptauSeconds = (Date.now() - tp) / 1000;

  const existing = artifactsAt(dir, circuit);
  if (
    existing &&
    !opts.force &&
    existing.record.ptau.sha256 === ptauHash &&
    existsSync(existing.zkey) &&
    (existing.record.verified || !(production || opts.verify))
  ) {
    progress(`setup for ${config.name} is cached in ${dir}${existing.record.insecure ? " (INSECURE dev ptau)" : ""}`);
    return existing;
  }

  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const snarkjs = await loadSnarkjs();
    const log = logger(progress);
    const tz = Date.now();
    // The native binary does production phase 2 when it is built (setup/phase2.ts: the same files
    // snarkjs writes), snarkjs otherwise.
    const native = production && !opts.snarkjs ? nativeProverStatus() : undefined;
    const nativeBinary = native?.available ? native.binary : undefined;
    const zkey0 = join(tmp, "phase2-0.zkey");
    await timed(progress, `Groth16 setup of the ${config.name} circuit (${circuit.constraints} constraints)${nativeBinary ? ", native" : ""}`, () =>
      nativeBinary ? nativeNewZkey(nativeBinary, circuit.r1cs, ptauFile, zkey0) : snarkjs.zKey.newZKey(circuit.r1cs, ptauFile, zkey0, undefined),
    );
    const zkeySeconds = (Date.now() - tz) / 1000;

    const tc = Date.now();
    const n = opts.contributions ?? (production ? 3 : 1);
    if (!Number.isInteger(n) || n < 1 || n > 20) {
      throw new ZkMarginError("ARGUMENT", `must be an integer from 1 to 20`, { path: "--contributions", value: n, limit: "1..20" });
    }
    const contributions: { name: string; hash: string }[] = [];
    let prev = zkey0;
    for (let i = 1; i <= n; i++) {
      const next = join(tmp, `phase2-${i}.zkey`);
      const name = production ? `contribution ${i}` : `INSECURE dev contribution ${i}`;
      const entropy = randomBytes(64).toString("hex");
      const hash = await timed(progress, `phase-2 ${name}`, async () =>
        nativeBinary
          ? nativeContribute(nativeBinary, prev, next, name, { kind: "random", entropy })
          : Buffer.from((await snarkjs.zKey.contribute(prev, next, name, entropy, log)) as Uint8Array).toString("hex"),
      );
      contributions.push({ name, hash });
      if (prev !== zkey0) rmSync(prev);
      prev = next;
    }
    const finalZkey = join(tmp, "final.zkey");
    let beacon: SetupRecord["beacon"] = null;
    if (production) {
      const beaconHash = (opts.beacon ?? randomBytes(32).toString("hex")).replace(/^0x/, "");
      if (!/^([0-9a-fA-F]{2}){32,}$/.test(beaconHash)) {
        throw new ZkMarginError("ARGUMENT", `must be at least 32 bytes of hex`, { path: "--beacon", value: opts.beacon });
      }
      await timed(progress, "phase-2 random beacon", () =>
        nativeBinary
          ? nativeContribute(nativeBinary, prev, finalZkey, "final beacon", { kind: "beacon", hash: beaconHash, iterationsExp: 10 })
          : snarkjs.zKey.beacon(prev, finalZkey, "final beacon", beaconHash, 10, log),
      );
      rmSync(prev);
      beacon = { hash: beaconHash, iterationsExp: 10 };
    } else {
      renameSync(prev, finalZkey);
    }
    const contributionsSeconds = (Date.now() - tc) / 1000;

    // zkey verify: snarkjs checks every contribution (transcripts, proofs of knowledge, the delta
    // chain, L and H against the initial key by random linear combination, the beacon) and that
    // sections 3-7 and the circuit hash equal the initial key's. With the native binary the initial
    // key is the native `zkey new` of the r1cs and the ptau (byte for byte snarkjs's, tested), so
    // snarkjs verifies from it instead of recomputing it, which alone takes it minutes to an hour.
    const tv = Date.now();
    const verify = production || (opts.verify ?? false);
    const verified = verify
      ? ((await timed(progress, `zkey verify (r1cs + ptau + every contribution${nativeBinary ? ", from the native initial key" : ""})`, () =>
          existsSync(zkey0)
            ? snarkjs.zKey.verifyFromInit(zkey0, ptauFile, finalZkey, log)
            : snarkjs.zKey.verifyFromR1cs(circuit.r1cs, ptauFile, finalZkey, log),
        )) as boolean)
      : false;
    if (verify && !verified) throw new ZkMarginError("FILE", "zkey verify failed: the setup does not match the circuit and the ptau");
    rmSync(zkey0, { force: true });
    const verifySeconds = (Date.now() - tv) / 1000;

    await publishSetup(tmp, dir, finalZkey, {
      config: config.name,
      circuitHash: circuit.circuitHash,
      constraints: circuit.constraints,
      power: circuit.power,
      insecure: !production,
      method: nativeBinary ? "native" : "snarkjs",
      ptau: { kind: production ? "file" : "dev", file: ptauFile, sha256: ptauHash, power: ptauPower, label: ptauLabel },
      contributions,
      beacon,
      verified,
      seconds: {
        compile: circuit.compileSeconds,
        ptau: ptauSeconds,
        zkey: zkeySeconds,
        contributions: contributionsSeconds,
        verify: verifySeconds,
        total: (Date.now() - t0) / 1000,
      },
      createdAt: new Date().toISOString(),
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (!production) progress(`INSECURE dev setup written to ${dir}: for development only`);
  return artifactsAt(dir, circuit)!;
}

const DEV_PTAU_LABEL = "INSECURE dev ptau: tau is derived from a public seed; anyone can forge proofs";

/** The dev ptau of a power, generated into the cache when missing. */
async function devPtauFile(power: number, progress: ProgressFn): Promise<string> {
  const file = join(cacheDir(), "ptau", `INSECURE-dev-${power}.ptau`);
  if (!existsSync(file)) {
    mkdirSync(join(cacheDir(), "ptau"), { recursive: true });
    await timed(progress, `generating an INSECURE dev powers of tau (2^${power})`, () =>
      generateDevPtau({ power, outFile: file, onProgress: (m) => progress(`  ${m}`) }),
    );
  }
  return file;
}

/** A cached dev setup of this circuit that the options allow reusing (however it was made). */
function reusableDevSetup(dir: string, circuit: CompiledCircuit, opts: SetupOptions): SetupArtifacts | undefined {
  const existing = artifactsAt(dir, circuit);
  if (!existing || opts.force || !existing.record.insecure || !existsSync(existing.zkey)) return undefined;
  if (opts.verify && !existing.record.verified) return undefined;
  return existing;
}

/**
 * Export the verification key and the Solidity verifier of `finalZkey` (in the temporary folder
 * `tmp`), write the record, and move the folder into place as `dir`.
 */
async function publishSetup(tmp: string, dir: string, finalZkey: string, record: SetupRecord): Promise<void> {
  const snarkjs = await loadSnarkjs();
  const vkey = await snarkjs.zKey.exportVerificationKey(finalZkey);
  writeFileSync(join(tmp, "verification_key.json"), `${JSON.stringify(vkey, null, 2)}\n`);
  const sol = (await snarkjs.zKey.exportSolidityVerifier(finalZkey, { groth16: solidityTemplate() })) as string;
  writeFileSync(join(tmp, "Groth16Verifier.sol"), record.insecure ? `// INSECURE: generated from a dev powers of tau with a public tau. Never deploy.\n${sol}` : sol);
  writeFileSync(join(tmp, "setup.json"), `${JSON.stringify(record, null, 2)}\n`);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

/**
 * The INSECURE dev setup computed natively from the dev seed's secrets (setup/devZkey.ts): the key
 * `snarkjs zkey new` would make from the dev ptau of power circuit.power + 1, with one contribution
 * whose delta also comes from the seed. Seconds instead of minutes; no ptau file is written unless
 * `verify` asks for `snarkjs zkey verify` (which needs one).
 */
async function nativeDevSetup(config: CircuitConfig, circuit: CompiledCircuit, dir: string, binary: string, opts: SetupOptions, t0: number): Promise<SetupArtifacts> {
  const progress = opts.progress ?? silent;
  const cached = reusableDevSetup(dir, circuit, opts);
  if (cached) {
    progress(`setup for ${config.name} is cached in ${dir} (INSECURE dev key)`);
    return cached;
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const finalZkey = join(tmp, "final.zkey");
    const tz = Date.now();
    const res = await timed(progress, `INSECURE dev Groth16 key of the ${config.name} circuit (${circuit.constraints} constraints), native, from the public seed`, () =>
      nativeDevZkey(binary, circuit.r1cs, finalZkey),
    );
    const zkeySeconds = (Date.now() - tz) / 1000;
    const ptauPower = res.power + 1;
    let verified = false;
    let verifySeconds = 0;
    let ptauFile = `(none: the key is computed from the seed's secrets; equal to one made from INSECURE-dev-${ptauPower}.ptau)`;
    let ptauHash = "";
    if (opts.verify) {
      const tv = Date.now();
      ptauFile = await devPtauFile(ptauPower, progress);
      ptauHash = await sha256File(ptauFile);
      verified = (await timed(progress, "zkey verify (r1cs + dev ptau + the dev contribution)", () =>
        loadSnarkjs().then((snarkjs) => snarkjs.zKey.verifyFromR1cs(circuit.r1cs, ptauFile, finalZkey, logger(progress))),
      )) as boolean;
      if (!verified) throw new ZkMarginError("FILE", "zkey verify failed: the native dev key does not match the circuit and the dev ptau");
      verifySeconds = (Date.now() - tv) / 1000;
    }
    await publishSetup(tmp, dir, finalZkey, {
      config: config.name,
      circuitHash: circuit.circuitHash,
      constraints: circuit.constraints,
      power: circuit.power,
      insecure: true,
      method: "native-dev",
      ptau: { kind: "dev", file: ptauFile, sha256: ptauHash, power: ptauPower, label: DEV_PTAU_LABEL },
      contributions: [{ name: DEV_ZKEY_CONTRIBUTION_NAME, hash: res.contributionHash }],
      beacon: null,
      verified,
      seconds: { compile: circuit.compileSeconds, ptau: 0, zkey: zkeySeconds, contributions: 0, verify: verifySeconds, total: (Date.now() - t0) / 1000 },
      createdAt: new Date().toISOString(),
    });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  progress(`INSECURE dev setup written to ${dir}: for development only`);
  return artifactsAt(dir, circuit)!;
}

/** What proveMargin needs from a setup. */
export function provingArtifacts(setup: SetupArtifacts): ProvingArtifacts {
  return {
    circuitHash: setup.record.circuitHash,
    wasm: setup.circuit.wasm,
    zkey: setup.zkey,
    vkey: setup.vkey,
    insecure: setup.record.insecure,
    label: setup.record.ptau.label,
  };
}

/** End snarkjs's worker threads so a script can exit. */
export async function releaseCurve(): Promise<void> {
  const g = globalThis as { curve_bn128?: { terminate(): Promise<void> } };
  if (g.curve_bn128) {
    await g.curve_bn128.terminate();
    delete g.curve_bn128;
  }
}
