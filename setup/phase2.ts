/**
 * Groth16 phase 2 from a real powers of tau, with the native binary doing the heavy part and every
 * file in snarkjs 0.7's format, so a ceremony may mix this tool and snarkjs freely.
 *
 *   nativeNewZkey      `snarkjs zkey new`: the binary (`zkmargin-prover newzkey`, native/src/phase2.cpp)
 *                      combines the ptau's Lagrange points per wire; the file is byte for byte snarkjs's.
 *   nativeContribute   `snarkjs zkey contribute` and `zkey beacon`: here, with ffjavascript as snarkjs
 *                      does it, the secret k (from fresh randomness and the participant's entropy, or
 *                      from the beacon), the proof of knowledge (g1_s, g1_sx = k g1_s, the transcript
 *                      over the circuit hash and every earlier contribution, g2_spx = k hashToG2(transcript))
 *                      and the new MPC section; the binary (`applykey`) multiplies delta by k and every
 *                      L and H point by 1/k. The contribution hash is the one snarkjs prints.
 *
 * `snarkjs zkey verify` accepts the result (test/setup/phase2.test.ts runs a ceremony mixing both
 * tools). The secret k passes to the binary on a pipe, never on its command line.
 */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

type Bytes = Uint8Array;
interface FfField {
  fromRng(rng: unknown): Bytes;
  toObject(a: Bytes): bigint;
}
interface FfGroup {
  F: { n8: number };
  timesFr(p: Bytes, s: Bytes): Bytes;
  toAffine(p: Bytes): Bytes;
  toRprUncompressed(arr: Bytes, offset: number, p: Bytes): void;
  toRprLEM(arr: Bytes, offset: number, p: Bytes): void;
  fromRprLEM(arr: Bytes, offset: number): Bytes;
  fromRng(rng: unknown): Bytes;
}
interface FfCurve {
  Fr: FfField;
  G1: FfGroup;
  G2: FfGroup;
  tm: { queueAction(task: unknown[]): Promise<Bytes[]> };
  terminate(): Promise<void>;
}
interface FfModule {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
  ChaCha: new (seed: number[]) => unknown;
}

async function withCurve<T>(fn: (ff: FfModule, curve: FfCurve) => Promise<T>): Promise<T> {
  const name: string = "ffjavascript"; // no type declarations
  const ff = (await import(name)) as FfModule;
  const curve = await ff.buildBn128(true);
  try {
    return await fn(ff, curve);
  } finally {
    await curve.terminate();
  }
}

function run(binary: string, args: string[], stdin?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(binary, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`native phase 2 failed: ${(stderr || err.message).trim().split("\n").slice(-3).join(" ")}`));
      else resolve(stdout);
    });
    // the binary may exit (bad input) before it reads its stdin: a broken pipe is not an error here,
    // the exit status and stderr above say what went wrong
    child.stdin?.on("error", () => undefined);
    child.stdin?.end(stdin ?? "");
  });
}

/** The sections of an iden3 binary file (.ptau, .zkey, .r1cs): id -> [offset of the data, size]. */
function sectionsOf(file: string, magic: string): Map<number, [number, number]> {
  const fd = openSync(file, "r");
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (head.toString("latin1", 0, 4) !== magic) throw new Error(`${file} is not a .${magic} file`);
    const out = new Map<number, [number, number]>();
    let pos = 12;
    for (let i = 0; i < head.readUInt32LE(8); i++) {
      const sh = Buffer.alloc(12);
      readSync(fd, sh, 0, 12, pos);
      const size = Number(sh.readBigUInt64LE(4));
      out.set(sh.readUInt32LE(0), [pos + 12, size]);
      pos += 12 + size;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

function readAt(file: string, offset: number, length: number): Buffer {
  const fd = openSync(file, "r");
  try {
    const b = Buffer.alloc(length);
    if (readSync(fd, b, 0, length, offset) !== length) throw new Error(`${file}: short read at ${offset}`);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** The circuit's domain power as snarkjs computes it: log2(nConstraints + nPublic) + 1. */
export function r1csPower(r1cs: string): number {
  const [p] = sectionsOf(r1cs, "r1cs").get(1) ?? [];
  if (p === undefined) throw new Error(`${r1cs}: no header section`);
  const h = readAt(r1cs, p, 4 + 32 + 16 + 8 + 4);
  const nPublic = h.readUInt32LE(40) + h.readUInt32LE(44);
  const nConstraints = h.readUInt32LE(4 + 32 + 16 + 8);
  return Math.floor(Math.log2(nConstraints + nPublic)) + 1;
}

/**
 * When the ptau's power equals the circuit's and n >= 2^15, snarkjs's circuit hash takes one "point"
 * from the bytes right after the ptau's tauG1 section, through ffjavascript's wasm affine
 * subtraction (on unreduced coordinates). That value, computed the same way, in uncompressed form.
 */
async function hashTail(ptau: string, power: number): Promise<string | undefined> {
  const secs = sectionsOf(ptau, "ptau");
  const [s2, size2] = secs.get(2)!;
  const n = 2 ** power;
  const CH = 2 ** 14;
  let count = 0;
  for (let i = 0; i < n - 1; i += CH) count += Math.min(n - 1, CH);
  if ((count - 1 + n) * 64 < size2) return undefined;
  const last = count - 1;
  const hi = new Uint8Array(readAt(ptau, s2 + (last + n) * 64, 64));
  const lo = new Uint8Array(readAt(ptau, s2 + last * 64, 64));
  return withCurve(async (_ff, curve) => {
    const [out] = await curve.tm.queueAction([
      { cmd: "ALLOCSET", var: 0, buff: hi },
      { cmd: "ALLOCSET", var: 1, buff: lo },
      { cmd: "ALLOC", var: 2, len: 96 },
      { cmd: "CALL", fnName: "g1m_subAffine", params: [{ var: 0 }, { var: 1 }, { var: 2 }] },
      { cmd: "CALL", fnName: "g1m_batchToAffine", params: [{ var: 2 }, { val: 1 }, { var: 2 }] },
      { cmd: "CALL", fnName: "g1m_batchLEMtoU", params: [{ var: 2 }, { val: 1 }, { var: 2 }] },
      { cmd: "GET", out: 0, var: 2, len: 64 },
    ]);
    return Buffer.from(out!).toString("hex");
  });
}

export interface NativeNewZkeyResult {
  csHash: string;
  power: number;
  ptauPower: number;
  constraints: number;
}

/** `snarkjs zkey new r1cs ptau out`, natively (byte for byte the same file). */
export async function nativeNewZkey(binary: string, r1cs: string, ptau: string, out: string): Promise<NativeNewZkeyResult> {
  const power = r1csPower(r1cs);
  const ptauPower = readAt(ptau, (sectionsOf(ptau, "ptau").get(1) ?? [12])[0] + 36, 4).readUInt32LE(0);
  const tail = power === ptauPower ? await hashTail(ptau, power) : undefined;
  const stdout = await run(binary, ["newzkey", r1cs, ptau, out, ...(tail ? ["--h-tail", tail] : [])]);
  return JSON.parse(stdout) as NativeNewZkeyResult;
}

/** One phase-2 contribution, or the final random beacon. */
export type ContributionSource = { kind: "random"; entropy?: string } | { kind: "beacon"; hash: string; iterationsExp: number };

function chaChaSeed(hash: Bytes): number[] {
  const dv = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  return Array.from({ length: 8 }, (_, i) => dv.getUint32(i * 4, false));
}

/** The records of a key's MPC section: each as its bytes and its parsed points. */
function parseMpc(body: Buffer): { csHash: Buffer; records: Buffer[] } {
  const csHash = body.subarray(0, 64);
  const n = body.readUInt32LE(64);
  const records: Buffer[] = [];
  let p = 68;
  for (let i = 0; i < n; i++) {
    const start = p;
    p += 64 * 3 + 128 + 64 + 4; // deltaAfter, g1_s, g1_sx, g2_spx, transcript, type
    const paramsLen = body.readUInt32LE(p);
    p += 4 + paramsLen;
    if (p > body.length) throw new Error("malformed MPC section");
    records.push(body.subarray(start, p));
  }
  if (p !== body.length) throw new Error("malformed MPC section (trailing bytes)");
  return { csHash, records };
}

/**
 * Apply one contribution (or the beacon) to `inZkey`, writing `outZkey`, as `snarkjs zkey contribute`
 * (or `zkey beacon`) would. Returns the contribution hash (hex) snarkjs reports for it.
 */
export async function nativeContribute(binary: string, inZkey: string, outZkey: string, name: string, source: ContributionSource): Promise<string> {
  const secs = sectionsOf(inZkey, "zkey");
  const [h2, h2size] = secs.get(2) ?? [0, 0];
  const [m, msize] = secs.get(10) ?? [0, 0];
  if (h2size !== 660 || msize < 68) throw new Error(`${inZkey}: not a BN254 Groth16 key`);
  const delta1Lem = new Uint8Array(readAt(inZkey, h2 + 468, 64));
  const mpc = parseMpc(readAt(inZkey, m, msize));
  const nameBytes = new TextEncoder().encode(name.slice(0, 64));

  return withCurve(async (ff, curve) => {
    const { Fr, G1, G2 } = curve;
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
    // hashPubKey of a record: deltaAfter, g1_s, g1_sx (G1), g2_spx (G2) uncompressed, then the transcript
    const hashPubKey = (h: ReturnType<typeof createHash>, rec: Buffer): void => {
      for (let i = 0; i < 3; i++) h.update(u(G1, G1.fromRprLEM(rec, i * 64)));
      h.update(u(G2, G2.fromRprLEM(rec, 192)));
      h.update(rec.subarray(320, 384));
    };
    let rng: unknown;
    if (source.kind === "random") {
      const seedHash = createHash("blake2b512").update(randomBytes(64)).update(source.entropy ?? randomBytes(32).toString("hex")).digest();
      rng = new ff.ChaCha(chaChaSeed(seedHash));
    } else {
      let h: Buffer = Buffer.from(source.hash, "hex");
      for (let i = 0; i < 2 ** source.iterationsExp; i++) h = createHash("sha256").update(h).digest();
      rng = new ff.ChaCha(chaChaSeed(h));
    }
    const k = Fr.fromRng(rng);
    const g1s = G1.toAffine(G1.fromRng(rng));
    const g1sx = G1.toAffine(G1.timesFr(g1s, k));
    const th = createHash("blake2b512").update(mpc.csHash);
    for (const r of mpc.records) hashPubKey(th, r);
    const transcript = th.update(u(G1, g1s)).update(u(G1, g1sx)).digest();
    const g2sp = G2.fromRng(new ff.ChaCha(chaChaSeed(transcript)));
    const g2spx = G2.toAffine(G2.timesFr(g2sp, k));
    const deltaAfter = G1.toAffine(G1.timesFr(G1.fromRprLEM(delta1Lem, 0), k));
    const params =
      source.kind === "random"
        ? [1, nameBytes.length, ...nameBytes]
        : [1, nameBytes.length, ...nameBytes, 2, source.iterationsExp, 3, source.hash.length / 2, ...Buffer.from(source.hash, "hex")];
    const u32 = (x: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(x);
      return b;
    };
    const record = Buffer.concat([
      lem(G1, deltaAfter),
      lem(G1, g1s),
      lem(G1, g1sx),
      lem(G2, g2spx),
      transcript,
      u32(source.kind === "random" ? 0 : 1),
      u32(params.length),
      Buffer.from(params),
    ]);
    const body = Buffer.concat([mpc.csHash, u32(mpc.records.length + 1), ...mpc.records, record]);
    const stdout = await run(binary, ["applykey", inZkey, outZkey], `${Fr.toObject(k).toString()}\n${body.toString("hex")}\n`);
    const got = JSON.parse(stdout) as { delta1: string };
    if (got.delta1 !== Buffer.from(lem(G1, deltaAfter)).toString("hex")) throw new Error("native phase 2: the new delta differs from the contribution's deltaAfter");
    const ch = createHash("blake2b512");
    hashPubKey(ch, record);
    return ch.digest("hex");
  });
}

/** The csHash (hex) recorded in a key. */
export function zkeyCircuitHash(zkey: string): string {
  const [m] = sectionsOf(zkey, "zkey").get(10) ?? [0];
  return readAt(zkey, m, 64).toString("hex");
}
