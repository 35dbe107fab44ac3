// Shared pieces of the native prover's tests: where the binary is, a line-protocol session with
// `zkmargin-prover test arith`, BN254 reference arithmetic on bigints, ffjavascript, and a real
// `small` setup with a witness.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as snarkjs from "snarkjs";
import { getConfig } from "../../src/config/circuits.js";
import { buildParamsTree } from "../../src/params/tree.js";
import { parsePortfolio } from "../../src/portfolio/parse.js";
import { buildWitnessInput } from "../../src/prove/witness.js";
import { setupCircuit, type SetupArtifacts } from "../../setup/groth16.js";
import { repoFile, smallParams } from "../helpers.js";

/** The binary under test (ZKMARGIN_NATIVE_BIN points the tests at another build). */
export const NATIVE_BIN = process.env.ZKMARGIN_NATIVE_BIN || repoFile("native/build/zkmargin-prover");
export const SANITIZE_BIN = repoFile("native/build/sanitize/zkmargin-prover");
export const BUILD_SCRIPT = repoFile("scripts/build-native.mjs");

/** BN254 base field q and scalar field r. */
export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/**
 * The binary, or: a skip when ZKMARGIN_NATIVE=off, a failure telling how to build it otherwise.
 * Call from a `before` hook (it needs the mocha context to skip).
 */
export function requireNative(ctx: Mocha.Context): string {
  if (String(process.env.ZKMARGIN_NATIVE ?? "").toLowerCase() === "off") ctx.skip();
  if (!existsSync(NATIVE_BIN)) {
    let why = "";
    try {
      const st = JSON.parse(readFileSync(repoFile("native/build/status.json"), "utf8"));
      if (st && st.ok === false && st.reason) why = `; the last build said: ${st.reason}`;
    } catch {
      // no status yet
    }
    throw new Error(`the native prover is not built (${NATIVE_BIN} is missing${why}): run \`npm run build:native\` (or set ZKMARGIN_NATIVE=off to skip these tests)`);
  }
  return NATIVE_BIN;
}

/** Runs the binary; returns exit code, stdout, stderr. */
export function runNative(bin: string, args: string[], input?: string) {
  const r = spawnSync(bin, args, { encoding: "utf8", input, maxBuffer: 256 << 20, timeout: 600_000 });
  if (r.error) throw r.error;
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A long-lived `test arith` process: one request line, one answer line. */
export class Arith {
  private child: ChildProcessWithoutNullStreams;
  private buf = "";
  private waiting: ((line: string) => void)[] = [];
  private stderr = "";

  constructor(bin: string) {
    this.child = spawn(bin, ["test", "arith"], { stdio: ["pipe", "pipe", "pipe"] });
    this.child.stdout.setEncoding("utf8");
    this.child.stdout.on("data", (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf("\n")) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        this.waiting.shift()?.(line);
      }
    });
    this.child.stderr.on("data", (d) => (this.stderr += String(d)));
    this.child.on("exit", (code) => {
      for (const w of this.waiting.splice(0)) w(`error process exited (${code}): ${this.stderr}`);
    });
  }

  ask(line: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${line}\n`);
    });
  }

  /** ask(), split into bigints; throws on an "error ..." answer. */
  async nums(line: string): Promise<bigint[]> {
    const a = await this.ask(line);
    if (a.startsWith("error")) throw new Error(`${line.slice(0, 200)} -> ${a}`);
    return a.split(" ").map((x) => BigInt(x));
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.child.on("close", () => resolve());
      this.child.stdin.end();
    });
  }
}

// ---------------------------------------------------------------- bigint references

export const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

export function modpow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b = mod(b, m);
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

/** Inverse mod a prime, with inv(0) = 0 (the native convention). */
export const modinv = (a: bigint, m: bigint) => (mod(a, m) === 0n ? 0n : modpow(a, m - 2n, m));

export type Fq2 = [bigint, bigint];
export const f2mul = ([a0, a1]: Fq2, [b0, b1]: Fq2): Fq2 => [mod(a0 * b0 - a1 * b1, Q), mod(a0 * b1 + a1 * b0, Q)];
export const f2inv = ([a0, a1]: Fq2): Fq2 => {
  const t = modinv(a0 * a0 + a1 * a1, Q);
  return [mod(a0 * t, Q), mod(-a1 * t, Q)];
};

/** Affine G1 on bigints, null = infinity (textbook formulas, independent of the native code). */
export type P1 = [bigint, bigint] | null;
export function g1add(p: P1, q: P1): P1 {
  if (!p) return q;
  if (!q) return p;
  const [x1, y1] = p;
  const [x2, y2] = q;
  let l: bigint;
  if (x1 === x2) {
    if (mod(y1 + y2, Q) === 0n) return null;
    l = mod(3n * x1 * x1 * modinv(2n * y1, Q), Q);
  } else {
    l = mod((y2 - y1) * modinv(x2 - x1, Q), Q);
  }
  const x3 = mod(l * l - x1 - x2, Q);
  return [x3, mod(l * (x1 - x3) - y1, Q)];
}
export function g1mul(p: P1, k: bigint): P1 {
  let r: P1 = null;
  let a = p;
  while (k > 0n) {
    if (k & 1n) r = g1add(r, a);
    a = g1add(a, a);
    k >>= 1n;
  }
  return r;
}

/** "x y" / "x0 x1 y0 y1" as the native protocol writes points ((0, 0) = infinity). */
export const g1str = (p: P1) => (p ? `${p[0]} ${p[1]}` : "0 0");

// ---------------------------------------------------------------- ffjavascript

/** ffjavascript's bn128 (it ships no type declarations; imported by name to keep tsc quiet). */
export async function ffCurve(): Promise<any> {
  const name = "ffjavascript";
  const ff: any = await import(name);
  return ff.buildBn128();
}

/** Plain coordinates of an ffjavascript point (any form): G1 [x, y], G2 [x0, x1, y0, y1]; [] = infinity. */
export function coords(G: any, p: Uint8Array): bigint[] {
  if (G.isZero(p)) return [];
  const o = G.toObject(G.toAffine(p));
  return (o[0] instanceof Array ? [o[0][0], o[0][1], o[1][0], o[1][1]] : [o[0], o[1]]).map((x: unknown) => BigInt(x as bigint));
}

/** The native answer for a point, as coords() gives it. */
export function nativeCoords(ans: bigint[]): bigint[] {
  return ans.every((x) => x === 0n) ? [] : ans;
}

// ---------------------------------------------------------------- a real setup and witness

export interface SmallCircuit {
  setup: SetupArtifacts;
  zkey: string;
  vkey: string;
  wtns: string;
  dir: string;
}

/** The `small` setup (cached by setupCircuit) and a witness for a 4-position book. */
export async function smallCircuit(book?: { collateral: Record<string, string>; positions: Record<string, string> }): Promise<SmallCircuit> {
  const config = getConfig("small");
  const setup = await setupCircuit(config);
  const params = smallParams();
  const b = book ?? { collateral: { USDC: "10000", ETH: "3" }, positions: { "ETH-PERP": "50", "ETH-C-2200": "-100" } };
  const w = buildWitnessInput({
    params,
    tree: buildParamsTree(params),
    portfolio: parsePortfolio(b, params),
    healthBps: 12500,
    context: 0xc0ffeen,
    salt: 0x5a17n,
    config,
  });
  const dir = mkdtempSync(join(tmpdir(), "zkm-native-"));
  const wtns = join(dir, "small.wtns");
  await snarkjs.wtns.calculate(w.input, setup.circuit.wasm, wtns);
  return { setup, zkey: setup.zkey, vkey: setup.vkey, wtns, dir };
}
