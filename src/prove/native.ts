/**
 * The Groth16 prover choice: zkmargin's native C++ prover (native/, built on `npm install` by
 * scripts/build-native.mjs) when it built, snarkjs otherwise.
 *
 * The native prover reads the same `.zkey` and a `.wtns` witness that snarkjs computes from the
 * circuit's wasm, and writes snarkjs's proof JSON. It is never trusted blindly: every native proof
 * is verified against the verification key here before it is returned (groth16Verify.ts: a
 * pairing in JavaScript, its code loaded while the binary proves).
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// snarkjs (and ffjavascript under it) loads when it is used, not with this module (CLI start-up).
const loadSnarkjs = () => import("snarkjs");
import { packageRoot } from "../circuit/paths.js";
import { ZkMarginError } from "../errors.js";
import type { Groth16Proof } from "./bundle.js";
import { snarkjsFullProve, type FullProveFn } from "./core.js";
import { groth16Verify, preloadGroth16Verifier } from "./groth16Verify.js";
import { computeNativeWitness, configNameForHash, nativeWitnessForHash, WitnessRefused, type NativeWitnessTimings } from "./nativeWitness.js";

export type ProverChoice = "auto" | "native" | "snarkjs";
export type ProverName = "native" | "snarkjs";
export const PROVER_CHOICES: readonly ProverChoice[] = ["auto", "native", "snarkjs"];

export interface NativeProverStatus {
  available: boolean;
  /** Path of the prover binary when available. */
  binary?: string;
  /** Why it is not available (build failed, disabled, not built). */
  reason?: string;
}

/** Where the native prover is and whether it can be used. `ZKMARGIN_NATIVE=off` disables it. */
export function nativeProverStatus(): NativeProverStatus {
  if (process.env.ZKMARGIN_NATIVE === "off") return { available: false, reason: "disabled by ZKMARGIN_NATIVE=off" };
  const dir = process.env.ZKMARGIN_NATIVE_DIR ?? join(packageRoot(), "native", "build");
  const binary = join(dir, process.platform === "win32" ? "zkmargin-prover.exe" : "zkmargin-prover");
  const statusFile = join(dir, "status.json");
  let status: { ok?: boolean; reason?: string } | undefined;
  try {
    status = JSON.parse(readFileSync(statusFile, "utf8")) as { ok?: boolean; reason?: string };
  } catch {
    /* no status: judged by the binary alone */
  }
  if (status && status.ok === false) return { available: false, reason: `the native prover did not build: ${status.reason ?? "unknown reason"}` };
  if (!existsSync(binary)) return { available: false, reason: "the native prover is not built (run `npm run build:native`)" };
  try {
    if ((statSync(binary).mode & 0o111) === 0) return { available: false, reason: `${binary} is not executable` };
  } catch (e) {
    return { available: false, reason: String(e) };
  }
  return { available: true, binary };
}

export function parseProverChoice(value: string, path = "--prover"): ProverChoice {
  if ((PROVER_CHOICES as readonly string[]).includes(value)) return value as ProverChoice;
  throw new ZkMarginError("ARGUMENT", `unknown prover ${JSON.stringify(value)}; choose one of ${PROVER_CHOICES.join(", ")}`, { path, value, limit: PROVER_CHOICES.join(" | ") });
}

let warnedSlowPath = false;

/** Resolve `auto` to a prover; `native` when it is not available is an error naming why. */
export function resolveProver(choice: ProverChoice, warn?: (message: string) => void): { prover: ProverName; binary?: string } {
  if (choice === "snarkjs") return { prover: "snarkjs" };
  const status = nativeProverStatus();
  if (status.available) return { prover: "native", binary: status.binary! };
  if (choice === "native") {
    throw new ZkMarginError("ARGUMENT", `the native prover is not available: ${status.reason}`, { path: "--prover", value: "native" });
  }
  if (!warnedSlowPath && warn) {
    warnedSlowPath = true;
    warn(`proving with snarkjs (slower), because ${status.reason}`);
  }
  return { prover: "snarkjs" };
}

function run(binary: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    execFile(binary, args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) {
        const msg = (stderr || err.message).trim().split("\n").slice(-3).join(" ");
        reject(new Error(`the native prover failed: ${msg}`));
      } else resolveRun({ stdout, stderr });
    });
  });
}

/**
 * A FullProveFn (core.ts) that proves with the native binary: the circuit's native witness
 * calculator, or snarkjs from the circuit's wasm, computes the witness (witnessToFile: the witness,
 * the private book, is written to a private temporary folder and removed afterwards), the binary proves from the zkey file, and the proof is verified against the
 * verification key before it is returned. `timings` receives the binary's per-phase milliseconds.
 */
export function nativeFullProve(binary: string, opts: { threads?: number; timings?: (t: NativeTimings) => void; warn?: (message: string) => void } = {}): FullProveFn {
  return async (input, artifacts, onProgress) => {
    if (typeof artifacts.zkey !== "string") throw new Error("the native prover reads the zkey from a file: give its path");
    const t0 = performance.now();
    const dir = mkdtempSync(join(tmpdir(), "zkmargin-prove-"));
    try {
      // While the witness calculator and the binary run (child processes), this process would only
      // wait: load the pairing code for the check below meanwhile. Never rejects.
      void preloadGroth16Verifier();
      onProgress({ stage: "witness", message: "computing the witness", fraction: 0.01 });
      const wtnsFile = join(dir, "witness.wtns");
      const witness = await witnessToFile(input, artifacts, wtnsFile, opts.warn);
      const t1 = performance.now();
      onProgress({ stage: "prove", message: "proving (native)", fraction: 0.4 });
      const proofFile = join(dir, "proof.json");
      const publicFile = join(dir, "public.json");
      const extra = opts.threads ? ["--threads", String(opts.threads)] : [];
      const { stderr } = await run(binary, ["prove", artifacts.zkey, wtnsFile, proofFile, publicFile, "--timings", ...extra]);
      const t2 = performance.now();
      const proof = JSON.parse(readFileSync(proofFile, "utf8")) as Groth16Proof;
      const publicSignals = JSON.parse(readFileSync(publicFile, "utf8")) as string[];
      onProgress({ stage: "prove", message: "verifying the native proof", fraction: 0.97 });
      const ok = await groth16Verify(artifacts.vkey, publicSignals, proof);
      const t3 = performance.now();
      if (!ok) throw new NativeProofRejected();
      opts.timings?.({
        witness: witness.by,
        ...(witness.phases ? { witnessPhases: witness.phases } : {}),
        witnessMs: t1 - t0,
        proveMs: t2 - t1,
        verifyMs: t3 - t2,
        phases: lastJsonLine(stderr),
      });
      return { proof, publicSignals, prover: "native" as const };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * The witness of `input` in `file` (a private temporary folder): from the circuit's native witness
 * calculator when one is built for its hash (src/prove/nativeWitness.ts), else from its wasm. A
 * calculator that is missing, did not build or fails is said once (per reason and circuit) through
 * `warn`, and the wasm computes the witness; a circuit that refuses the input (WitnessRefused) is an error either way.
 */
async function witnessToFile(
  input: unknown,
  artifacts: { circuitHash: string; wasm: string | Uint8Array },
  file: string,
  warn?: (message: string) => void,
): Promise<{ by: "native" | "wasm"; phases?: NativeWitnessTimings }> {
  const calc = nativeWitnessForHash(artifacts.circuitHash);
  let why = calc.reason;
  if (calc.available) {
    try {
      return { by: "native", phases: await computeNativeWitness(calc, input, file) };
    } catch (e) {
      if (e instanceof WitnessRefused) throw e;
      why = (e as Error).message;
    }
  }
  if (warn && why && !warnedWasmWitness.has(`${artifacts.circuitHash} ${why}`)) {
    warnedWasmWitness.add(`${artifacts.circuitHash} ${why}`);
    const name = calc.available ? undefined : configNameForHash(artifacts.circuitHash);
    warn(`computing the witness with wasm (slower), because ${why}${name ? `; \`zkmargin native witness --config ${name}\` builds it (minutes, once)` : ""}`);
  }
  const wtns = { type: "mem" } as { type: "mem"; data?: Uint8Array };
  const snarkjs = await loadSnarkjs();
  await snarkjs.wtns.calculate(input as Parameters<typeof snarkjs.wtns.calculate>[0], artifacts.wasm, wtns);
  writeFileSync(file, wtns.data!, { mode: 0o600 });
  return { by: "wasm" };
}

/** What was said already: each reason once per circuit and process. */
const warnedWasmWitness = new Set<string>();

/**
 * What a native proof cost, in milliseconds: the witness (native or wasm), the binary, the check,
 * and the binary's own phases.
 */
export interface NativeTimings {
  /** Which calculator computed the witness. */
  witness: "native" | "wasm";
  /** The native witness calculator's own phases (load, input, calc, write, total). */
  witnessPhases?: NativeWitnessTimings;
  witnessMs: number;
  proveMs: number;
  verifyMs: number;
  phases?: Record<string, number>;
}

/** The native prover made a proof that does not verify: it is never returned. */
export class NativeProofRejected extends Error {
  constructor() {
    super("the native prover produced a proof that does not verify against the verification key; it was discarded");
  }
}

function lastJsonLine(text: string): Record<string, number> | undefined {
  for (const line of text.split("\n").reverse()) {
    try {
      const j = JSON.parse(line) as unknown;
      if (j && typeof j === "object") return j as Record<string, number>;
    } catch {
      /* not the timings line */
    }
  }
  return undefined;
}

/**
 * The prover `choice` resolves to, as a FullProveFn: native when built (auto, native), else snarkjs.
 * In `auto`, a native failure of any kind (including a proof that does not verify) is reported
 * through `warn` and the proof is made again with snarkjs.
 */
export function chooseFullProve(
  choice: ProverChoice,
  opts: { warn?: (message: string) => void; threads?: number; timings?: (t: NativeTimings) => void } = {},
): { prover: ProverName; fullProve: FullProveFn } {
  const resolved = resolveProver(choice, opts.warn);
  if (resolved.prover === "snarkjs") return { prover: "snarkjs", fullProve: snarkjsFullProve };
  const native = nativeFullProve(resolved.binary!, opts);
  if (choice === "native") return { prover: "native", fullProve: native };
  return {
    prover: "native",
    fullProve: async (input, artifacts, onProgress) => {
      if (typeof artifacts.zkey !== "string") return snarkjsFullProve(input, artifacts, onProgress);
      try {
        return await native(input, artifacts, onProgress);
      } catch (e) {
        opts.warn?.(`${(e as Error).message}; proving again with snarkjs`);
        return snarkjsFullProve(input, artifacts, onProgress);
      }
    },
  };
}
