/**
 * Fast, dev-only, INSECURE powers-of-tau generator (BN128), snarkjs-compatible.
 *
 * snarkjs builds a ptau by applying each contributor's secret to a file of generators and
 * `powersoftau prepare phase2` then runs group-element inverse FFTs, which is very slow.
 * Here tau, alpha and beta are derived from a public seed, so every point is a known scalar
 * times a generator: we compute all scalars in the field (tau powers by batch geometric
 * multiplication; the Lagrange sections 12-15 by an inverse FFT of the tau powers IN Fr,
 * which equals what snarkjs's G.ifft gives since the transform is Fr-linear), and then do
 * fixed-base scalar multiplications with windowed precomputed tables on worker threads
 * running ffjavascript's own wasm (mixed additions only, no doublings).
 *
 * The output is a complete *prepared* (phase-2-ready) .ptau in snarkjs's binary format,
 * sections 1-7 and 12-15, in the order `powersoftau prepare phase2` writes them, with one
 * contribution (type 0) in section 7 whose public key, response hash and next-challenge hash
 * are computed as `powersoftau contribute` does, so `snarkjs powersoftau verify` accepts it.
 *
 * NEVER use this file for anything but development: tau is public, so proofs can be forged.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdir, open, rename, rm } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { dirname, join, basename } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { DEFAULT_DEV_PTAU_SEED } from "./devSeed.js";

export interface DevPtauOptions {
  /** log2 of the maximum number of constraints the ptau supports (1..27). */
  power: number;
  outFile: string;
  /** Seed from which tau, alpha and beta are derived; default "zkmargin INSECURE dev ptau". */
  seed?: string;
  onProgress?: (msg: string) => void;
}

export interface DevPtauResult {
  file: string;
  power: number;
  seconds: number;
}

export { DEFAULT_DEV_PTAU_SEED };
export const DEV_PTAU_CONTRIBUTION_NAME = "INSECURE dev ptau: tau is public, never use in production";

// ---------------------------------------------------------------------------------------------
// Minimal typing of the parts of ffjavascript used here (it ships no type declarations).

type Bytes = Uint8Array;

interface FfField {
  one: Bytes;
  n8: number;
  s: number;
  e(x: bigint | number | string): Bytes;
  mul(a: Bytes, b: Bytes): Bytes;
  exp(a: Bytes, e: bigint | number): Bytes;
  eq(a: Bytes, b: Bytes): boolean;
  isZero(a: Bytes): boolean;
  batchApplyKey(buff: Bytes, first: Bytes, inc: Bytes): Promise<Bytes>;
  ifft(buff: Bytes): Promise<Bytes>;
  batchFromMontgomery(buff: Bytes): Promise<Bytes>;
}

interface FfGroup {
  g: Bytes;
  F: { n8: number };
  timesFr(p: Bytes, s: Bytes): Bytes;
  toAffine(p: Bytes): Bytes;
  toRprUncompressed(arr: Bytes, offset: number, p: Bytes): void;
  toRprLEM(arr: Bytes, offset: number, p: Bytes): void;
  fromRprLEM(arr: Bytes, offset: number): Bytes;
  fromRng(rng: unknown): Bytes;
  batchLEMtoU(buff: Bytes): Promise<Bytes>;
}

interface FfCurve {
  q: bigint;
  Fr: FfField;
  G1: FfGroup;
  G2: FfGroup;
  tm: { code?: Bytes };
  terminate(): Promise<void>;
}

interface FfModule {
  buildBn128(singleThread?: boolean): Promise<FfCurve>;
  ChaCha: new (seed: number[]) => unknown;
}

async function loadFfjavascript(): Promise<FfModule> {
  // Non-literal specifier: the package has no type declarations.
  const name: string = "ffjavascript";
  return (await import(name)) as FfModule;
}

// ---------------------------------------------------------------------------------------------
// Sizes (BN128): G1 affine 64 bytes, G2 affine 128 bytes, Fr 32 bytes.

const N8 = 32;
const SG1 = 64;
const SG2 = 128;

type GroupName = "g1m" | "g2m";

// ---------------------------------------------------------------------------------------------
// BLAKE2b-512 with export of the intermediate state in the 216-byte layout snarkjs stores as
// a contribution's `partialHash` (snarkjs's misc.toPartialHash over @noble/hashes' state):
// 128-byte pending block, then u32 LE words h0lo,h0hi..h7lo,h7hi, bytesCompressed lo/hi,
// pendingBytes lo/hi. Like @noble/hashes, the last (possibly full) block is kept pending
// until more data arrives.

const B2B_IV = Uint32Array.from([
  0xf3bcc908, 0x6a09e667, 0x84caa73b, 0xbb67ae85, 0xfe94f82b, 0x3c6ef372, 0x5f1d36f1, 0xa54ff53a,
  0xade682d1, 0x510e527f, 0x2b3e6c1f, 0x9b05688c, 0xfb41bd6b, 0x1f83d9ab, 0x137e2179, 0x5be0cd19,
]);

const B2B_SIGMA = Uint8Array.from([
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
  14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
  11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
  7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
  9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
  2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
  12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
  13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
  6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
  10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
]);

export class Blake2b512 {
  private readonly h = new Uint32Array(16);
  private readonly block = new Uint8Array(128);
  private readonly blockView = new DataView(this.block.buffer);
  private readonly m = new Uint32Array(32);
  private readonly v = new Uint32Array(32);
  private pos = 0;
  private compressed = 0; // bytes already compressed

  constructor() {
    this.h.set(B2B_IV);
    this.h[0] = this.h[0]! ^ 0x01010040; // digest length 64, no key, fanout 1, depth 1
  }

  update(data: Uint8Array): this {
    let i = 0;
    while (i < data.length) {
      if (this.pos === 128) {
        this.compressed += 128;
        this.compress(false);
        this.pos = 0;
      }
      const take = Math.min(128 - this.pos, data.length - i);
      this.block.set(data.subarray(i, i + take), this.pos);
      this.pos += take;
      i += take;
    }
    return this;
  }

  /** State after everything hashed so far, as snarkjs's `partialHash` (216 bytes). */
  partialState(): Uint8Array {
    const out = new Uint8Array(216);
    const dv = new DataView(out.buffer);
    out.set(this.block, 0);
    for (let k = 0; k < 16; k++) dv.setUint32(128 + 4 * k, this.h[k]!, true);
    dv.setUint32(128 + 64, this.compressed % 0x100000000, true);
    dv.setUint32(128 + 68, Math.floor(this.compressed / 0x100000000), true);
    dv.setUint32(128 + 72, this.pos, true);
    dv.setUint32(128 + 76, 0, true);
    return out;
  }

  digest(): Uint8Array {
    this.block.fill(0, this.pos);
    this.compressed += this.pos;
    this.compress(true);
    const out = new Uint8Array(64);
    const dv = new DataView(out.buffer);
    for (let k = 0; k < 16; k++) dv.setUint32(4 * k, this.h[k]!, true);
    return out;
  }

  private compress(last: boolean): void {
    const { m, v, h, blockView } = this;
    for (let k = 0; k < 32; k++) m[k] = blockView.getUint32(4 * k, true);
    v.set(h, 0);
    v.set(B2B_IV, 16);
    const t = this.compressed;
    v[24] = v[24]! ^ (t % 0x100000000);
    v[25] = v[25]! ^ Math.floor(t / 0x100000000);
    if (last) {
      v[28] = ~v[28]!;
      v[29] = ~v[29]!;
    }
    for (let r = 0; r < 12; r++) {
      const s = (r % 10) * 16;
      b2bG(v, m, 0, 8, 16, 24, B2B_SIGMA2[s]!, B2B_SIGMA2[s + 1]!);
      b2bG(v, m, 2, 10, 18, 26, B2B_SIGMA2[s + 2]!, B2B_SIGMA2[s + 3]!);
      b2bG(v, m, 4, 12, 20, 28, B2B_SIGMA2[s + 4]!, B2B_SIGMA2[s + 5]!);
      b2bG(v, m, 6, 14, 22, 30, B2B_SIGMA2[s + 6]!, B2B_SIGMA2[s + 7]!);
      b2bG(v, m, 0, 10, 20, 30, B2B_SIGMA2[s + 8]!, B2B_SIGMA2[s + 9]!);
      b2bG(v, m, 2, 12, 22, 24, B2B_SIGMA2[s + 10]!, B2B_SIGMA2[s + 11]!);
      b2bG(v, m, 4, 14, 16, 26, B2B_SIGMA2[s + 12]!, B2B_SIGMA2[s + 13]!);
      b2bG(v, m, 6, 8, 18, 28, B2B_SIGMA2[s + 14]!, B2B_SIGMA2[s + 15]!);
    }
    for (let k = 0; k < 16; k++) h[k] = h[k]! ^ v[k]! ^ v[k + 16]!;
  }
}

/** Message word indices doubled (offsets of lo halves in the lo/hi u32 array). */
const B2B_SIGMA2 = B2B_SIGMA.map((x) => 2 * x);

/** BLAKE2b mixing function on 64-bit words stored as (lo, hi) u32 pairs at even offsets a, b, c, d. */
function b2bG(v: Uint32Array, m: Uint32Array, a: number, b: number, c: number, d: number, x: number, y: number): void {
  let alo = v[a]!, ahi = v[a + 1]!, blo = v[b]!, bhi = v[b + 1]!;
  let clo = v[c]!, chi = v[c + 1]!, dlo = v[d]!, dhi = v[d + 1]!;
  let lo: number, hi: number;
  // a = a + b + m[x]; d = rotr(d ^ a, 32)
  lo = alo + blo + m[x]!;
  ahi = (ahi + bhi + m[x + 1]! + ((lo / 0x100000000) | 0)) >>> 0;
  alo = lo >>> 0;
  lo = dlo ^ alo;
  dlo = (dhi ^ ahi) >>> 0;
  dhi = lo >>> 0;
  // c = c + d; b = rotr(b ^ c, 24)
  lo = clo + dlo;
  chi = (chi + dhi + ((lo / 0x100000000) | 0)) >>> 0;
  clo = lo >>> 0;
  lo = blo ^ clo;
  hi = bhi ^ chi;
  blo = ((lo >>> 24) | (hi << 8)) >>> 0;
  bhi = ((hi >>> 24) | (lo << 8)) >>> 0;
  // a = a + b + m[y]; d = rotr(d ^ a, 16)
  lo = alo + blo + m[y]!;
  ahi = (ahi + bhi + m[y + 1]! + ((lo / 0x100000000) | 0)) >>> 0;
  alo = lo >>> 0;
  lo = dlo ^ alo;
  hi = dhi ^ ahi;
  dlo = ((lo >>> 16) | (hi << 16)) >>> 0;
  dhi = ((hi >>> 16) | (lo << 16)) >>> 0;
  // c = c + d; b = rotr(b ^ c, 63)
  lo = clo + dlo;
  chi = (chi + dhi + ((lo / 0x100000000) | 0)) >>> 0;
  clo = lo >>> 0;
  lo = blo ^ clo;
  hi = bhi ^ chi;
  blo = ((lo << 1) | (hi >>> 31)) >>> 0;
  bhi = ((hi << 1) | (lo >>> 31)) >>> 0;
  v[a] = alo;
  v[a + 1] = ahi;
  v[b] = blo;
  v[b + 1] = bhi;
  v[c] = clo;
  v[c + 1] = chi;
  v[d] = dlo;
  v[d + 1] = dhi;
}

function blake2b512(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("blake2b512");
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
}

// ---------------------------------------------------------------------------------------------
// Worker pool: each worker instantiates ffjavascript's bn128 wasm, builds fixed-base tables
// T[j][d] = d * 2^(w*j) * G (affine, Montgomery) for G1 and G2, and answers "mul" jobs:
// scalars (standard form, 32 bytes LE each) -> affine Montgomery points (the ptau "LEM" form),
// optionally also the compressed form snarkjs hashes into a contribution's response hash.

const WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const memory = new WebAssembly.Memory({ initial: 25, maximum: 32767 });
const X = new WebAssembly.Instance(new WebAssembly.Module(workerData.code), { env: { memory } }).exports;
let top = new Uint32Array(memory.buffer, 0, 1)[0];
function reserve(end) {
  const need = end - memory.buffer.byteLength;
  if (need > 0) memory.grow(Math.ceil(need / 65536));
}
function setTop(t) { top = t; new Uint32Array(memory.buffer, 0, 1)[0] = t; }
function alloc(n) { const p = (top + 7) & ~7; setTop(p + n); reserve(top + 65536); return p; }
const W = workerData.w;
const tables = {};
function buildTable(g, nB, gen) {
  const sJ = nB * 3, sA = nB * 2, size = 1 << W, nw = Math.ceil(254 / W);
  const pTab = alloc(nw * size * sA);
  const mark = top;
  const pJ = alloc(nw * size * sJ);
  const pBase = alloc(sJ);
  new Uint8Array(memory.buffer).set(gen, pBase);
  for (let j = 0; j < nw; j++) {
    const row = pJ + j * size * sJ;
    X[g + "_zero"](row);
    X[g + "_copy"](pBase, row + sJ);
    for (let d = 2; d < size; d++) X[g + "_add"](row + (d - 1) * sJ, pBase, row + d * sJ);
    for (let k = 0; k < W; k++) X[g + "_double"](pBase, pBase);
  }
  reserve(top + nw * size * sJ);
  X[g + "_batchToAffine"](pJ, nw * size, pTab);
  setTop(mark);
  tables[g] = { pTab, sJ, sA, nw, rowStride: size * sA };
}
buildTable("g1m", 32, workerData.g1);
buildTable("g2m", 64, workerData.g2);
function mul(g, sc, wantC) {
  const { pTab, sJ, sA, nw, rowStride } = tables[g];
  const n = sc.length / 32;
  const mark = top;
  const pOut = alloc(n * sJ);
  reserve(top + n * sJ + 65536);
  const add = X[g + "_addMixed"], zero = X[g + "_zero"];
  const mask = (1 << W) - 1;
  for (let i = 0; i < n; i++) {
    const acc = pOut + i * sJ;
    zero(acc);
    const o = i * 32, e = o + 32;
    for (let j = 0; j < nw; j++) {
      const b = j * W, k = o + (b >> 3);
      const v = (sc[k] | (k + 1 < e ? sc[k + 1] << 8 : 0) | (k + 2 < e ? sc[k + 2] << 16 : 0)) >>> (b & 7);
      const d = v & mask;
      if (d !== 0) add(acc, pTab + j * rowStride + d * sA, acc);
    }
  }
  X[g + "_batchToAffine"](pOut, n, pOut);
  const lem = new Uint8Array(memory.buffer, pOut, n * sA).slice();
  let c = null;
  if (wantC) {
    const pC = alloc(n * (sA / 2));
    X[g + "_batchLEMtoC"](pOut, n, pC);
    c = new Uint8Array(memory.buffer, pC, n * (sA / 2)).slice();
  }
  setTop(mark);
  return { lem, c };
}
parentPort.on("message", (msg) => {
  try {
    const { lem, c } = mul(msg.g, msg.sc, msg.wantC);
    parentPort.postMessage({ id: msg.id, lem, c }, c ? [lem.buffer, c.buffer] : [lem.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: msg.id, error: String((err && err.stack) || err) });
  }
});
parentPort.postMessage({ ready: true });
`;

interface MulResult {
  lem: Uint8Array;
  c: Uint8Array | null;
}

interface Job {
  id: number;
  g: GroupName;
  sc: Uint8Array;
  wantC: boolean;
  resolve: (r: MulResult) => void;
  reject: (e: Error) => void;
}

class FixedBasePool {
  private readonly queue: Job[] = [];
  private readonly inFlight = new Map<number, Job>();
  private readonly load: number[];
  private nextId = 0;
  private failed: Error | null = null;

  private constructor(private readonly workers: Worker[]) {
    this.load = workers.map(() => 0);
  }

  static async start(code: Uint8Array, g1: Uint8Array, g2: Uint8Array, w: number, n: number): Promise<FixedBasePool> {
    const workers: Worker[] = [];
    const ready: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { code, g1, g2, w } });
      workers.push(worker);
      ready.push(
        new Promise<void>((resolve, reject) => {
          worker.once("message", () => resolve());
          worker.once("error", reject);
        }),
      );
    }
    const pool = new FixedBasePool(workers);
    try {
      await Promise.all(ready);
    } catch (e) {
      await pool.close();
      throw e;
    }
    workers.forEach((worker, i) => {
      worker.on("message", (msg: { id: number; lem?: Uint8Array; c?: Uint8Array | null; error?: string }) =>
        pool.onMessage(i, msg),
      );
      worker.on("error", (err: Error) => pool.fail(err));
      worker.on("exit", (code: number) => {
        if (code !== 0) pool.fail(new Error(`dev ptau worker exited with code ${code}`));
      });
    });
    return pool;
  }

  /** Fixed-base multiplication of the group generator by each 32-byte LE scalar. */
  mul(g: GroupName, sc: Uint8Array, wantC: boolean): Promise<MulResult> {
    return new Promise<MulResult>((resolve, reject) => {
      if (this.failed) return reject(this.failed);
      this.queue.push({ id: this.nextId++, g, sc, wantC, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    // Keep two jobs per worker in flight so none idles between messages.
    for (;;) {
      const job = this.queue[0];
      if (!job) return;
      let best = 0;
      for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[best]!) best = i;
      if (this.load[best]! >= 2) return;
      this.queue.shift();
      this.load[best]!++;
      this.inFlight.set(job.id, job);
      const worker = this.workers[best]!;
      worker.postMessage({ id: job.id, g: job.g, sc: job.sc, wantC: job.wantC }, [job.sc.buffer as ArrayBuffer]);
    }
  }

  private onMessage(i: number, msg: { id: number; lem?: Uint8Array; c?: Uint8Array | null; error?: string }): void {
    const job = this.inFlight.get(msg.id);
    if (!job) return;
    this.inFlight.delete(msg.id);
    this.load[i]!--;
    if (msg.error !== undefined || !msg.lem) job.reject(new Error(`dev ptau worker failed: ${msg.error ?? "no result"}`));
    else job.resolve({ lem: msg.lem, c: msg.c ?? null });
    this.pump();
  }

  private fail(err: Error): void {
    if (this.failed) return;
    this.failed = err;
    for (const job of this.inFlight.values()) job.reject(err);
    for (const job of this.queue) job.reject(err);
    this.inFlight.clear();
    this.queue.length = 0;
  }

  async close(): Promise<void> {
    this.failed ??= new Error("dev ptau worker pool closed");
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

// ---------------------------------------------------------------------------------------------
// Output file writer (explicit positions, so reading back earlier sections is safe).

class Out {
  pos = 0;
  constructor(readonly fh: FileHandle) {}

  async write(buf: Uint8Array): Promise<void> {
    let off = 0;
    while (off < buf.length) {
      const { bytesWritten } = await this.fh.write(buf, off, buf.length - off, this.pos);
      off += bytesWritten;
      this.pos += bytesWritten;
    }
  }

  async read(position: number, length: number): Promise<Uint8Array> {
    const buf = new Uint8Array(length);
    let off = 0;
    while (off < length) {
      const { bytesRead } = await this.fh.read(buf, off, length - off, position + off);
      if (bytesRead === 0) throw new Error("dev ptau: unexpected end of temp file");
      off += bytesRead;
    }
    return buf;
  }

  /** Section header: u32 id, u64 size (LE). */
  async sectionHeader(id: number, size: number): Promise<number> {
    const b = new Uint8Array(12);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, id, true);
    dv.setBigUint64(4, BigInt(size), true);
    await this.write(b);
    return this.pos;
  }
}

function u32le(x: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, x, true);
  return b;
}

function bigToLE(x: bigint, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    b[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return b;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/** Deterministic hash-to-field: SHA-512 of a domain-separated label, reduced mod r. */
function hashToFr(Fr: FfField, r: bigint, seed: string, label: string, reject: (x: Bytes) => boolean): Bytes {
  for (let ctr = 0; ; ctr++) {
    const digest = createHash("sha512").update(`zkmargin dev ptau|${label}|${ctr}|${seed}`).digest();
    const x = BigInt("0x" + digest.toString("hex")) % r;
    const e = Fr.e(x);
    if (x !== 0n && !reject(e)) return e;
  }
}

export async function generateDevPtau(opts: DevPtauOptions): Promise<DevPtauResult> {
  const { power, outFile } = opts;
  const seed = opts.seed ?? DEFAULT_DEV_PTAU_SEED;
  if (!Number.isInteger(power) || power < 1 || power > 27) {
    throw new Error(`dev ptau: power must be an integer in 1..27, got ${power}`);
  }
  const t0 = performance.now();
  const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(1)}s`;
  const log = (msg: string): void => opts.onProgress?.(`[INSECURE dev ptau 2^${power}] ${msg} (${elapsed()})`);
  log(`generating an INSECURE powers of tau from a public seed; tau is known, never use in production`);

  const ff = await loadFfjavascript();
  // Single-threaded curve: not shared with (nor cached for) snarkjs; parallelism comes from our pool.
  const curve = await ff.buildBn128(true);
  const { Fr, G1, G2 } = curve;
  const code = curve.tm.code;
  if (!code) throw new Error("dev ptau: ffjavascript did not expose the wasm code");
  const r = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

  await mkdir(dirname(outFile), { recursive: true });
  const tmpFile = join(dirname(outFile), `.${basename(outFile)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  let pool: FixedBasePool | null = null;
  let fh: FileHandle | null = null;
  let done = false;
  try {
    const window = power >= 14 ? 12 : 8;
    const nWorkers = Math.max(1, availableParallelism());
    pool = await FixedBasePool.start(code, G1.g, G2.g, window, nWorkers);
    const thePool = pool;
    log(`${nWorkers} workers ready (fixed-base tables, window ${window})`);

    // Secrets. tau must not be a root of unity of a domain we use (else Lagrange values degenerate).
    const tau = hashToFr(Fr, r, seed, "tau", (t) => Fr.eq(Fr.exp(t, 1n << BigInt(Fr.s)), Fr.one));
    const alpha = hashToFr(Fr, r, seed, "alpha", () => false);
    const beta = hashToFr(Fr, r, seed, "beta", () => false);

    const N = 2 ** power;
    const nTauG1 = 2 * N - 1;
    const ones = (n: number): Uint8Array => {
      const b = new Uint8Array(n * N8);
      for (let i = 0; i < n; i++) b.set(Fr.one, i * N8);
      return b;
    };
    // tau^0 .. tau^(2N-2), Montgomery form.
    const tauPowers = await Fr.batchApplyKey(ones(nTauG1), Fr.one, tau);

    /** Multiply generator by scalars (Montgomery Fr), chunked over the pool, results in order. */
    const mulAll = async (
      g: GroupName,
      scalarsM: Uint8Array,
      onChunk: (lem: Uint8Array, c: Uint8Array | null) => Promise<void>,
      wantC: boolean,
    ): Promise<void> => {
      const std = await Fr.batchFromMontgomery(scalarsM);
      const n = std.length / N8;
      const chunk = g === "g1m" ? 4096 : 2048;
      const pending: Promise<MulResult>[] = [];
      for (let i = 0; i < n; i += chunk) {
        pending.push(thePool.mul(g, std.slice(i * N8, Math.min(n, i + chunk) * N8), wantC));
      }
      // Avoid unhandled rejections for results not yet awaited if an earlier one fails.
      for (const p of pending) p.catch(() => undefined);
      for (const p of pending) {
        const res = await p;
        await onChunk(res.lem, res.c);
      }
    };

    fh = await open(tmpFile, "w+");
    const out = new Out(fh);

    // File header: magic, version 1, 11 sections (as `powersoftau prepare phase2` writes).
    await out.write(new TextEncoder().encode("ptau"));
    await out.write(u32le(1));
    await out.write(u32le(11));

    // Section 1: header.
    await out.sectionHeader(1, 4 + N8 + 4 + 4);
    await out.write(concat([u32le(N8), bigToLE(curve.q, N8), u32le(power), u32le(power)]));

    // Sections 2-6, hashing the compressed points into the response hasher like `contribute`.
    const firstChallenge = calculateFirstChallengeHash(curve, power);
    const responseHasher = new Blake2b512().update(firstChallenge);
    const sectionStart: Record<number, { pos: number; n: number; sG: number }> = {};
    const firstPoints: Record<number, Uint8Array[]> = {};

    const writePointsSection = async (id: number, g: GroupName, scalarsM: Uint8Array, name: string): Promise<void> => {
      const sG = g === "g1m" ? SG1 : SG2;
      const n = scalarsM.length / N8;
      const pos = await out.sectionHeader(id, n * sG);
      sectionStart[id] = { pos, n, sG };
      const firsts: Uint8Array[] = [];
      await mulAll(
        g,
        scalarsM,
        async (lem, c) => {
          for (let j = 0; firsts.length < 2 && j * sG < lem.length; j++) firsts.push(lem.slice(j * sG, (j + 1) * sG));
          await out.write(lem);
          if (c) responseHasher.update(c);
        },
        true,
      );
      firstPoints[id] = firsts;
      log(`section ${id} (${name}): ${n} points`);
    };

    await writePointsSection(2, "g1m", tauPowers, "tauG1");
    await writePointsSection(3, "g2m", tauPowers.subarray(0, N * N8), "tauG2");
    await writePointsSection(4, "g1m", await Fr.batchApplyKey(ones(N), alpha, tau), "alphaTauG1");
    await writePointsSection(5, "g1m", await Fr.batchApplyKey(ones(N), beta, tau), "betaTauG1");
    await writePointsSection(6, "g2m", beta.slice(), "betaG2");

    // Section 7: the single contribution.
    const partialHash = responseHasher.partialState();
    const key = {
      tau: makePubKey(ff, curve, seed, 0, tau, firstChallenge),
      alpha: makePubKey(ff, curve, seed, 1, alpha, firstChallenge),
      beta: makePubKey(ff, curve, seed, 2, beta, firstChallenge),
    };
    const keyOrderG1 = [key.tau.g1_s, key.tau.g1_sx, key.alpha.g1_s, key.alpha.g1_sx, key.beta.g1_s, key.beta.g1_sx];
    const keyOrderG2 = [key.tau.g2_spx, key.alpha.g2_spx, key.beta.g2_spx];
    const pubKeyU = new Uint8Array(6 * SG1 + 3 * SG2);
    keyOrderG1.forEach((p, i) => G1.toRprUncompressed(pubKeyU, i * SG1, p));
    keyOrderG2.forEach((p, i) => G2.toRprUncompressed(pubKeyU, 6 * SG1 + i * SG2, p));
    const responseHash = responseHasher.update(pubKeyU).digest();

    // Next challenge: hash of the response hash and the uncompressed points (re-read from disk).
    const nextHasher = createHash("blake2b512").update(responseHash);
    for (const [id, G] of [[2, G1], [3, G2], [4, G1], [5, G1], [6, G2]] as const) {
      const { pos, n, sG } = sectionStart[id]!;
      const step = 1 << 14;
      for (let i = 0; i < n; i += step) {
        const m = Math.min(step, n - i);
        const lem = await out.read(pos + i * sG, m * sG);
        nextHasher.update(await G.batchLEMtoU(lem));
      }
    }
    const nextChallenge = new Uint8Array(nextHasher.digest());

    const pick = (id: number, k: number): Uint8Array => {
      const p = firstPoints[id]?.[k];
      if (!p) throw new Error(`dev ptau: missing point ${k} of section ${id}`);
      return p;
    };
    const pubKeyLEM = new Uint8Array(6 * SG1 + 3 * SG2);
    keyOrderG1.forEach((p, i) => G1.toRprLEM(pubKeyLEM, i * SG1, p));
    keyOrderG2.forEach((p, i) => G2.toRprLEM(pubKeyLEM, 6 * SG1 + i * SG2, p));
    const nameBytes = new TextEncoder().encode(DEV_PTAU_CONTRIBUTION_NAME.substring(0, 64));
    const params = concat([Uint8Array.of(1, nameBytes.length), nameBytes]);
    const section7 = concat([
      u32le(1), // one contribution
      pick(2, 1), // tau*G1
      pick(3, 1), // tau*G2
      pick(4, 0), // alpha*G1
      pick(5, 0), // beta*G1
      pick(6, 0), // beta*G2
      pubKeyLEM,
      partialHash,
      nextChallenge,
      u32le(0), // type 0: ordinary contribution
      u32le(params.length),
      params,
    ]);
    await out.sectionHeader(7, section7.length);
    await out.write(section7);
    log("section 7 (contribution, next challenge hash computed)");

    // Lagrange sections. Domain 2^q uses tau^0..tau^(2^q-1); section 12 also has q = power+1,
    // whose last coefficient (tau^(2^(power+1)-1), not in the file) is taken as 0, like snarkjs.
    const lagParts: Uint8Array[] = [];
    for (let q = 0; q <= power + 1; q++) {
      const n = 2 ** q;
      let coeffs: Uint8Array;
      if (q <= power) {
        coeffs = tauPowers.slice(0, n * N8);
      } else {
        coeffs = new Uint8Array(n * N8); // zero-filled; Montgomery zero is all zeros
        coeffs.set(tauPowers.subarray(0, (n - 1) * N8));
      }
      lagParts.push(n === 1 ? coeffs : await Fr.ifft(coeffs));
    }
    const lagAll = concat(lagParts); // 2^(power+2)-1 scalars: q = 0..power+1
    const lagToPower = lagAll.subarray(0, (2 * N - 1) * N8); // q = 0..power
    log("Lagrange scalars computed in Fr");

    const writeLagrangeSection = async (id: number, g: GroupName, scalarsM: Uint8Array, name: string): Promise<void> => {
      const sG = g === "g1m" ? SG1 : SG2;
      await out.sectionHeader(id, (scalarsM.length / N8) * sG);
      await mulAll(g, scalarsM, (lem) => out.write(lem), false);
      log(`section ${id} (Lagrange ${name}): ${scalarsM.length / N8} points`);
    };
    // alpha*L_i(tau), beta*L_i(tau): batchApplyKey multiplies element i by first * inc^i.
    const scaleBy = (k: Uint8Array): Promise<Uint8Array> => Fr.batchApplyKey(lagToPower, k, Fr.one);
    await writeLagrangeSection(12, "g1m", lagAll, "tauG1");
    await writeLagrangeSection(13, "g2m", lagToPower, "tauG2");
    await writeLagrangeSection(14, "g1m", await scaleBy(alpha), "alphaTauG1");
    await writeLagrangeSection(15, "g1m", await scaleBy(beta), "betaTauG1");

    await fh.sync();
    await fh.close();
    fh = null;
    await rename(tmpFile, outFile);
    done = true;
    const seconds = (performance.now() - t0) / 1000;
    log(`wrote ${outFile} (INSECURE, dev only)`);
    return { file: outFile, power, seconds };
  } finally {
    if (fh) await fh.close().catch(() => undefined);
    if (!done) await rm(tmpFile, { force: true }).catch(() => undefined);
    if (pool) await pool.close();
    await curve.terminate();
  }
}

/** blake2b of the empty hash and the all-generator points of a fresh accumulator (as snarkjs). */
function calculateFirstChallengeHash(curve: FfCurve, power: number): Uint8Array {
  const h = createHash("blake2b512");
  h.update(blake2b512());
  const vG1 = new Uint8Array(SG1);
  const vG2 = new Uint8Array(SG2);
  curve.G1.toRprUncompressed(vG1, 0, curve.G1.g);
  curve.G2.toRprUncompressed(vG2, 0, curve.G2.g);
  const repeat = (v: Uint8Array, n: number): void => {
    const per = 4096;
    const block = new Uint8Array(per * v.length);
    for (let i = 0; i < per; i++) block.set(v, i * v.length);
    for (let left = n; left > 0; left -= per) h.update(left >= per ? block : block.subarray(0, left * v.length));
  };
  const N = 2 ** power;
  repeat(vG1, 2 * N - 1);
  repeat(vG2, N);
  repeat(vG1, N);
  repeat(vG1, N);
  h.update(vG2);
  return new Uint8Array(h.digest());
}

interface PubKeyPart {
  g1_s: Bytes;
  g1_sx: Bytes;
  g2_spx: Bytes;
}

/**
 * Proof-of-knowledge key for one secret, as snarkjs's createPTauKey: g1_s is a (here
 * deterministic) random G1 point, g1_sx = s*g1_s, g2_sp = hash-to-G2 of
 * (personalization, challenge, g1_s, g1_sx), g2_spx = s*g2_sp.
 */
function makePubKey(ff: FfModule, curve: FfCurve, seed: string, personalization: number, secret: Bytes, challenge: Uint8Array): PubKeyPart {
  const { G1, G2 } = curve;
  const rngSeed = createHash("sha256").update(`zkmargin dev ptau|pubkey|${personalization}|${seed}`).digest();
  const g1_s = G1.toAffine(G1.fromRng(new ff.ChaCha(chachaSeed(rngSeed))));
  const g1_sx = G1.toAffine(G1.timesFr(g1_s, secret));
  const u1 = new Uint8Array(SG1);
  const u2 = new Uint8Array(SG1);
  G1.toRprUncompressed(u1, 0, g1_s);
  G1.toRprUncompressed(u2, 0, g1_sx);
  const h = blake2b512(Uint8Array.of(personalization), challenge, u1, u2);
  const g2_sp = G2.toAffine(G2.fromRng(new ff.ChaCha(chachaSeed(h))));
  const g2_spx = G2.toAffine(G2.timesFr(g2_sp, secret));
  return { g1_s, g1_sx, g2_spx };
}

/** First 8 big-endian u32 words of a hash, as snarkjs seeds ChaCha. */
function chachaSeed(hash: Uint8Array): number[] {
  const dv = new DataView(hash.buffer, hash.byteOffset, hash.byteLength);
  const seed: number[] = [];
  for (let i = 0; i < 8; i++) seed.push(dv.getUint32(i * 4, false));
  return seed;
}
