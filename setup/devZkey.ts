/**
 * The INSECURE dev Groth16 key, computed natively from the dev seed's secrets in seconds instead of
 * snarkjs's generic phase 2 (minutes to an hour).
 *
 * The dev powers of tau (setup/devPtau.ts) derive tau, alpha and beta from a public seed, so every
 * point of a key made from it is a known scalar times a generator. The native binary
 * (`zkmargin-prover devsetup`, native/src/devsetup.cpp) evaluates the circuit's QAP at tau and
 * multiplies the generators by the results. Here we add the one phase-2 contribution, whose secret
 * delta also comes from the seed (label "delta"):
 *
 *   - the binary writes the key with delta applied (L and H divided by delta, delta in the header)
 *     and section 10 holding the circuit hash (csHash) of the delta = 1 key, as `zkey new` computes it;
 *   - this module appends the contribution record snarkjs's `zkey contribute` would write for that
 *     delta: deltaAfter = delta G1, g1_s = s G1 (s from the seed, label "delta-pok"),
 *     g1_sx = delta g1_s, transcript = BLAKE2b-512(csHash, g1_s, g1_sx), g2_spx = delta
 *     hashToG2(transcript) (ChaCha seeded from the transcript, ffjavascript's G2.fromRng).
 *
 * The result is a key `snarkjs zkey verify` accepts against any dev ptau of power above the
 * circuit's (the binary's delta = 1 output is byte for byte `snarkjs zkey new` from such a ptau;
 * test/setup/devZkey.test.ts checks both). It is as INSECURE as every dev key: tau is public, and so
 * is delta. `isDevKey` recognises it by its alpha and beta, like any key from the dev ptau.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { closeSync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { devSecret } from "../src/prove/devKey.js";
import { DEFAULT_DEV_PTAU_SEED } from "./devSeed.js";

/** The name recorded in the key for the dev contribution (at most 64 bytes, as snarkjs keeps). */
export const DEV_ZKEY_CONTRIBUTION_NAME = "INSECURE dev contribution: delta from the public seed";

export interface NativeDevZkeyOptions {
  seed?: string;
  threads?: number;
}

export interface NativeDevZkeyResult {
  /** BLAKE2b-512 circuit hash (hex), as `snarkjs zkey new` reports it for this circuit. */
  csHash: string;
  /** Hash of the dev contribution (hex), as `snarkjs zkey contribute` reports it. */
  contributionHash: string;
  constraints: number;
  nVars: number;
  nPublic: number;
  power: number;
  seconds: number;
  /** The binary's per-phase milliseconds (read, scalars, points, write, total). */
  timings: Record<string, unknown>;
}

type Bytes = Uint8Array;
interface FfGroup {
  g: Bytes;
  F: { n8: number };
  timesFr(p: Bytes, s: Bytes): Bytes;
  toAffine(p: Bytes): Bytes;
  toRprUncompressed(arr: Bytes, offset: number, p: Bytes): void;
  toRprLEM(arr: Bytes, offset: number, p: Bytes): void;
  fromRng(rng: unknown): Bytes;
}
interface FfCurve {
  Fr: { e(x: bigint): Bytes };
  G1: FfGroup;
  G2: FfGroup;
  terminate(): Promise<void>;
}
interface FfModule {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
  ChaCha: new (seed: number[]) => unknown;
}

async function loadFfjavascript(): Promise<FfModule> {
  const name: string = "ffjavascript"; // no type declarations
  return (await import(name)) as FfModule;
}

function runBinary(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(binary, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`native dev setup failed: ${(stderr || err.message).trim().split("\n").slice(-3).join(" ")}`));
      else resolve({ stdout, stderr });
    });
  });
}

const u32le = (x: number): Bytes => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x, true);
  return b;
};

/** The first 8 big-endian u32 words of a hash: how snarkjs seeds ChaCha for hash-to-G2. */
function chachaSeed(hash: Bytes): number[] {
  const dv = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  return Array.from({ length: 8 }, (_, i) => dv.getUint32(i * 4, false));
}

/** One snarkjs phase-2 contribution record (type 0) and its contribution hash. */
export interface Phase2Contribution {
  /** Section-10 bytes of the record, as snarkjs's writeContribution lays them out. */
  record: Bytes;
  /** BLAKE2b-512 of (deltaAfter, g1_s, g1_sx, g2_spx, transcript), uncompressed points. */
  hash: Bytes;
}

/**
 * The record of the first contribution to a key with circuit hash `csHash`, made with a KNOWN
 * secret `delta` (plain, 0 < delta < r): deltaAfter = delta G1 (the key's delta was 1), and the
 * proof of knowledge built on g1_s = pokScalar G1.
 */
export async function knownDeltaContribution(csHash: Bytes, delta: bigint, pokScalar: bigint, name: string): Promise<Phase2Contribution> {
  const ff = await loadFfjavascript();
  const curve = await ff.buildBn128(true);
  try {
    const { Fr, G1, G2 } = curve;
    const d = Fr.e(delta);
    const u = (G: FfGroup, p: Bytes): Bytes => {
      const b = new Uint8Array(G.F.n8 * 2);
      G.toRprUncompressed(b, 0, p);
      return b;
    };
    const lem = (G: FfGroup, p: Bytes): Bytes => {
      const b = new Uint8Array(G.F.n8 * 2);
      G.toRprLEM(b, 0, p);
      return b;
    };
    const deltaAfter = G1.toAffine(G1.timesFr(G1.g, d));
    const g1s = G1.toAffine(G1.timesFr(G1.g, Fr.e(pokScalar)));
    const g1sx = G1.toAffine(G1.timesFr(g1s, d));
    const transcript = new Uint8Array(createHash("blake2b512").update(csHash).update(u(G1, g1s)).update(u(G1, g1sx)).digest());
    const g2sp = G2.fromRng(new ff.ChaCha(chachaSeed(transcript)));
    const g2spx = G2.toAffine(G2.timesFr(g2sp, d));
    const nameBytes = new TextEncoder().encode(name);
    if (nameBytes.length > 64) throw new Error(`contribution name is ${nameBytes.length} bytes; snarkjs keeps at most 64`);
    const params = Uint8Array.from([1, nameBytes.length, ...nameBytes]);
    const record = Buffer.concat([lem(G1, deltaAfter), lem(G1, g1s), lem(G1, g1sx), lem(G2, g2spx), transcript, u32le(0), u32le(params.length), params]);
    const hash = createHash("blake2b512").update(u(G1, deltaAfter)).update(u(G1, g1s)).update(u(G1, g1sx)).update(u(G2, g2spx)).update(transcript).digest();
    return { record: new Uint8Array(record), hash: new Uint8Array(hash) };
  } finally {
    await curve.terminate();
  }
}

/**
 * Rewrite a .zkey's section 10 (which must be its last section) as csHash, the number of
 * contributions and their records. The file is changed in place: callers write into a temporary
 * folder and rename it when the whole setup is done.
 */
export function writeMpcSection(zkey: string, csHash: Bytes, records: Bytes[]): void {
  const fd = openSync(zkey, "r+");
  try {
    const size = fstatSync(fd).size;
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== "zkey") throw new Error(`${zkey} is not a .zkey file`);
    const n = head.readUInt32LE(8);
    let pos = 12;
    let at = -1;
    let atEnd = -1;
    for (let i = 0; i < n; i++) {
      const sh = Buffer.alloc(12);
      if (readSync(fd, sh, 0, 12, pos) !== 12) throw new Error(`${zkey}: truncated section header`);
      const id = sh.readUInt32LE(0);
      const end = pos + 12 + Number(sh.readBigUInt64LE(4));
      if (id === 10) [at, atEnd] = [pos, end];
      pos = end;
    }
    if (at < 0 || atEnd !== size || pos !== size) throw new Error(`${zkey}: section 10 is missing or not the last section`);
    const body = Buffer.concat([csHash, u32le(records.length), ...records]);
    const sh = Buffer.alloc(12);
    sh.writeUInt32LE(10, 0);
    sh.writeBigUInt64LE(BigInt(body.length), 4);
    ftruncateSync(fd, at);
    writeSync(fd, sh, 0, 12, at);
    writeSync(fd, body, 0, body.length, at + 12);
  } finally {
    closeSync(fd);
  }
}

/** The dev setup's secrets for a seed (plain bigints). */
export function devSetupSecrets(seed: string = DEFAULT_DEV_PTAU_SEED): { tau: bigint; alpha: bigint; beta: bigint; delta: bigint } {
  return { tau: devSecret(seed, "tau"), alpha: devSecret(seed, "alpha"), beta: devSecret(seed, "beta"), delta: devSecret(seed, "delta") };
}

/**
 * Write the final INSECURE dev key of a circuit to `outZkey` with the native binary: the key with
 * delta and one contribution record, ready for snarkjs and the native prover.
 */
export async function nativeDevZkey(binary: string, r1cs: string, outZkey: string, opts: NativeDevZkeyOptions = {}): Promise<NativeDevZkeyResult> {
  const t0 = performance.now();
  const seed = opts.seed ?? DEFAULT_DEV_PTAU_SEED;
  const s = devSetupSecrets(seed);
  const args = ["devsetup", r1cs, outZkey, "--tau", s.tau.toString(), "--alpha", s.alpha.toString(), "--beta", s.beta.toString(), "--delta", s.delta.toString(), "--timings"];
  if (opts.threads !== undefined) args.push("--threads", String(opts.threads));
  const { stdout, stderr } = await runBinary(binary, args);
  const info = JSON.parse(stdout.trim()) as { csHash: string; nVars: number; nPublic: number; constraints: number; power: number };
  let timings: Record<string, unknown> = {};
  try {
    timings = JSON.parse(stderr.trim().split("\n").pop() ?? "{}") as Record<string, unknown>;
  } catch {
    /* timings are informative */
  }
  const csHash = Buffer.from(info.csHash, "hex");
  const c = await knownDeltaContribution(csHash, s.delta, devSecret(seed, "delta-pok"), DEV_ZKEY_CONTRIBUTION_NAME);
  writeMpcSection(outZkey, csHash, [c.record]);
  return {
    csHash: info.csHash,
    contributionHash: Buffer.from(c.hash).toString("hex"),
    constraints: info.constraints,
    nVars: info.nVars,
    nPublic: info.nPublic,
    power: info.power,
    seconds: (performance.now() - t0) / 1000,
    timings,
  };
}
